--[[
  Prelude of every limiter script: the request, the server's clock and the verdict so far.

  Expects: KEYS[i] per limit, ARGV[1] the cost.
  Defines (locals of the including script):
    cost           units to take, ARGV[1]
    time           Redis TIME: {seconds, microseconds}, for scripts that need more than ms
    now            Redis time in epoch ms: one clock for every node, whatever theirs say
    n              the number of limits, #KEYS
    allowed        1 until a limit refuses the cost, then 0
    retryAfter     the longest wait in ms any refusing limit asks for
    neverFits      set when the cost exceeds a limit's capacity: no wait would let it through
    longestWindow  the longest windowMs among the limits (the retry-after when it never fits)
]]
local cost = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local n = #KEYS
local allowed = 1
local retryAfter = 0
local neverFits = false
local longestWindow = 0
