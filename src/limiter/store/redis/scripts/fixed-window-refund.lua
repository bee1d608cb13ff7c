--[[
  Fixed window refund: gives back cost units taken at consumedAtMs to the window they were taken
  from, while it is still the current window (a window that is gone has nothing to give back to).
  The count never goes below 0.

  Input:
    KEYS[i]      the counter of limit i, as fixed-window.lua keeps it, 1 <= i <= 5
    ARGV[1]      cost: units to give back, an integer >= 0
    ARGV[2]      consumedAtMs: the nowMs the consume reported
    ARGV[2i+1]   limit i (unused here)
    ARGV[2i+2]   windowMs i

  Output: how many limits got units back.
]]
--- @include "includes/clock"
local cost = tonumber(ARGV[1])
local consumedAt = tonumber(ARGV[2])
local refunded = 0

for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i + 2])
  local start = now - now % window
  local stored = cost > 0 and consumedAt - consumedAt % window == start and redis.call('GET', KEYS[i])
  if stored then
    local s, c = string.match(stored, '^(%d+):(%d+)$')
    local count = tonumber(c)
    if tonumber(s) == start and count > 0 then
      count = math.max(0, count - cost)
      if count == 0 then
        redis.call('DEL', KEYS[i])
      else
        redis.call('SET', KEYS[i], string.format('%d:%d', start, count), 'PX', start + window - now)
      end
      refunded = refunded + 1
    end
  end
end
return refunded
