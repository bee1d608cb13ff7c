--[[
  Sliding log: one sorted-set entry per unit taken, scored by its time in ms; a unit counts while
  its score is within the last windowMs. Exact, but memory grows with the requests in the window.

  Input (where includes/request.lua says):
    KEYS[i]      the log of limit i, 1 <= i <= n <= 5 (one hash tag for all: cluster-safe)
    ARGV[1]      cost: units to take, an integer >= 0 (0 reports and takes nothing); adds cost entries
    ARGV[3i-1]   limit i
    ARGV[3i]     windowMs i
    ARGV[3i+1]   burst i (unused by this algorithm)
    KEYS[n+1], ARGV[3n+2..3n+5]  only with a penalty: see includes/penalty.lua

  Entries: score = ms, member = the Redis time in microseconds followed by a sequence number
  (entries before it + j), unique even for two requests in the same millisecond. The member is
  all digits so that a small set (listpack) stores it as an integer, not as a string.
  Entries that slid out are trimmed on every call; the key expires with its newest entry.

  Output (where includes/request.lua says):
    {allowed (0|1), nowMs, retryAfterMs, remaining_1, resetMs_1, ..., remaining_n, resetMs_n}
  and, only with a penalty, blockedUntilMs.
]]
--- @include "includes/prelude"
local micros = time[1] .. string.format('%06d', tonumber(time[2]))

-- Pass 1: decide on every limit before touching any of them (trimming takes nothing).
for i = 1, n do
  local limit = arg(3 * i - 1)
  local window = arg(3 * i)
  if window > longestWindow then longestWindow = window end
  redis.call('ZREMRANGEBYSCORE', KEYS[keyAt + i], '-inf', now - window)
  local count = redis.call('ZCARD', KEYS[keyAt + i])
  state[3 * i - 2], state[3 * i - 1], state[3 * i] = limit, window, count

  if cost > limit then
    neverFits = true
  elseif cost > 0 and count + cost > limit then
    allowed = 0
    -- Fits once the (count + cost - limit) oldest entries have slid out.
    local oldest = count + cost - limit - 1
    local entry = redis.call('ZRANGE', KEYS[keyAt + i], oldest, oldest, 'WITHSCORES')
    local wait = tonumber(entry[2]) + window - now
    if wait > retryAfter then retryAfter = wait end
  end
end

--- @include "includes/never-fits"
--- @include "includes/penalty"

-- Bounded batches: Lua's unpack() has a stack limit.
local BATCH = 500

--- @include "includes/reply"
for i = 1, n do
  local limit, window, count = state[3 * i - 2], state[3 * i - 1], state[3 * i]
  local reset = 0
  if allowed == 1 and cost > 0 then
    local j = 1
    while j <= cost do
      local args = {}
      local last = math.min(cost, j + BATCH - 1)
      for k = j, last do
        args[#args + 1] = now
        args[#args + 1] = micros .. (count + k)
      end
      redis.call('ZADD', KEYS[keyAt + i], unpack(args))
      j = last + 1
    end
    redis.call('PEXPIRE', KEYS[keyAt + i], window)
    count = count + cost
    reset = window
  elseif count > 0 then
    local newest = redis.call('ZRANGE', KEYS[keyAt + i], -1, -1, 'WITHSCORES')
    reset = tonumber(newest[2]) + window - now
  end
  report(i, limit - count, reset)
end
return reply
