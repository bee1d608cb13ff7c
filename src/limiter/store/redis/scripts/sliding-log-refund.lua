--[[
  Sliding log refund: removes up to cost entries logged at consumedAtMs, while they are still in
  the window (entries that slid out count for nothing already). Any entries of that millisecond
  will do: they weigh the same.

  Input:
    KEYS[i]      the log of limit i, as sliding-log.lua keeps it, 1 <= i <= 5
    ARGV[1]      cost: units to give back, an integer >= 0
    ARGV[2]      consumedAtMs: the nowMs the consume reported (the entries' score)
    ARGV[2i+1]   limit i (unused here)
    ARGV[2i+2]   windowMs i

  Output: how many limits got units back.
]]
--- @include "includes/clock"
local cost = tonumber(ARGV[1])
local consumedAt = tonumber(ARGV[2])
local refunded = 0
-- Bounded batches: Lua's unpack() has a stack limit.
local BATCH = 500

for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i + 2])
  if cost > 0 and consumedAt > now - window then
    local entries = redis.call('ZRANGEBYSCORE', KEYS[i], consumedAt, consumedAt, 'LIMIT', 0, cost)
    for j = 1, #entries, BATCH do
      redis.call('ZREM', KEYS[i], unpack(entries, j, math.min(#entries, j + BATCH - 1)))
    end
    if #entries > 0 then refunded = refunded + 1 end
  end
end
return refunded
