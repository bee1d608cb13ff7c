--[[
  Batch: several consumes of the same keys, limits and penalty, as if each had been sent alone,
  one after the other, with nothing in between. A node sends it for the consumes that arrived
  while its calls for the same keys were in flight (consume-lanes.ts): under a hot key that is one
  round trip for many requests instead of one each, and exactly the same answers.

  Input: KEYS[i] and ARGV as the algorithm's consume script, except ARGV[1]: the costs, in order,
  comma-separated ("1,1,0,2").
  Output: one consume reply per cost, in order.

  `--- @consume` is replaced by the algorithm's consume script, its includes expanded, the line of
  the prelude that reads the cost from ARGV[1] dropped (the cost is the function's parameter).
]]
local function consume(cost)
--- @consume
end

local replies = {}
for cost in string.gmatch(ARGV[1], '%d+') do
  replies[#replies + 1] = consume(tonumber(cost))
end
return replies
