--[[
  Concurrency: at most `limit` requests in flight per key (Stripe's concurrent-requests limiter).
  Each admitted request holds a lease scored by its expiry; a lease ends when it is released
  (concurrency-release-1.lua) or expires, so a node that crashes mid-request leaks no slot for
  longer than leaseMs. Expired leases are trimmed on every call.

  Input:
    KEYS[1]   the leases: a sorted set of lease ids scored by expiry (epoch ms)
    ARGV[1]   cost: 0 reports the leases in force and takes nothing; 1 or more takes one slot
    ARGV[2]   limit: the slots
    ARGV[3]   leaseMs: how long a lease holds its slot unless released
    ARGV[4]   leaseId: the new lease's id, unique (made by the caller, so no counter is stored)
  (4 ARGV for 1 key: the prelude sees no penalty, which concurrency never has.)

  Stored in KEYS[1]: the sorted set, expiring with its newest lease (every lease of one key has the
  same duration: a different leaseMs is a different key).

  Output: {allowed (0|1), nowMs, retryAfterMs, free slots, resetMs}. A refusal's retryAfterMs is
  the time until the oldest lease expires, at most 1 s (MAX_WAIT): any request in flight may end
  sooner, so a longer wait would be a guess. resetMs: until the newest lease expires.
]]
--- @include "includes/prelude"
local MAX_WAIT = 1000
local limit = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
longestWindow = lease

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
if cost > 0 then
  if limit < 1 then
    neverFits = true
  elseif count >= limit then
    allowed = 0
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    -- The oldest lease outlives now (the trim above), so this is at least 1 ms.
    retryAfter = math.min(MAX_WAIT, tonumber(oldest[2]) - now)
  end
end

--- @include "includes/never-fits"

--- @include "includes/reply"
local reset = 0
if allowed == 1 and cost > 0 then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], lease)
  count = count + 1
  reset = lease
elseif count > 0 then
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  reset = tonumber(newest[2]) - now
end
report(1, limit - count, reset)
return reply
