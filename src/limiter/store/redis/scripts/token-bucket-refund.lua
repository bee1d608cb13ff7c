--[[
  Token bucket refund: puts cost tokens back, up to the capacity (the used level, brought to now,
  never goes below 0). When in the bucket's life they were taken does not matter: what has refilled
  since cannot be given back twice.

  Input:
    KEYS[i]      the bucket of limit i, as token-bucket.lua keeps it, 1 <= i <= 5
    ARGV[1]      cost: units to give back, an integer >= 0
    ARGV[2]      consumedAtMs (unused here)
    ARGV[2i+1]   limit i: tokens refilled per window
    ARGV[2i+2]   windowMs i

  Output: how many limits got units back.
]]
--- @include "includes/clock"
local cost = tonumber(ARGV[1])
local refunded = 0

for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i + 1])
  local window = tonumber(ARGV[2 * i + 2])
  -- Nothing can have been taken under a limit of 0, and its level would never drain.
  local stored = cost > 0 and limit > 0 and redis.call('GET', KEYS[i])
  if stored then
    local at, l = string.match(stored, '^(%d+):(%d+)$')
    local level = math.max(0, tonumber(l) - limit * math.max(0, now - tonumber(at)))
    if level > 0 then
      level = math.max(0, level - cost * window)
      if level == 0 then
        redis.call('DEL', KEYS[i])
      else
        redis.call('SET', KEYS[i], string.format('%d:%d', now, level), 'PX', math.ceil(level / limit))
      end
      refunded = refunded + 1
    end
  end
end
return refunded
