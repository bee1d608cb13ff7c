--[[
  GCRA refund: moves the TAT back by cost emission intervals, never before now (a TAT in the past
  is the same as now: the key has fully drained).

  Input:
    KEYS[i]      the TAT of limit i, as gcra.lua keeps it, 1 <= i <= 5
    ARGV[1]      cost: units to give back, an integer >= 0
    ARGV[2]      consumedAtMs (unused here)
    ARGV[2i+1]   limit i
    ARGV[2i+2]   windowMs i

  Output: how many limits got units back.
]]
--- @include "includes/clock"
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])
local cost = tonumber(ARGV[1])
local refunded = 0

for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i + 1])
  local window = tonumber(ARGV[2 * i + 2])
  local tat = cost > 0 and limit > 0 and tonumber(redis.call('GET', KEYS[i]))
  if tat and tat > nowUs then
    -- The same rounded-up interval as gcra.lua, so a refund undoes a consume exactly.
    tat = math.max(nowUs, tat - cost * math.ceil(window * 1000 / limit))
    if tat == nowUs then
      redis.call('DEL', KEYS[i])
    else
      redis.call('SET', KEYS[i], string.format('%d', tat), 'PX', math.ceil((tat - nowUs) / 1000))
    end
    refunded = refunded + 1
  end
end
return refunded
