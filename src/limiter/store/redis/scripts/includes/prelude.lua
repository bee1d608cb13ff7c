--[[
  Prelude of every consume script: the request, the server's clock and the verdict so far.

  Expects: KEYS[i] per limit, ARGV[1] the cost, then 3 ARGV per limit, read where request.lua
  says. A consume with a penalty passes one more key (the penalty's, last) and 4 more ARGV (last;
  see penalty.lua), which is how it is told apart: argCount = 3 * keyCount + 2 with a penalty,
  3 * keyCount + 1 without. (No flag in ARGV: a consume without a penalty sends exactly what it
  sent before penalties existed.)
  Defines (locals of the including script):
    keyAt, argAt, keyCount, argCount, number, arg, reply, replyAt, report, state  (request.lua)
    cost           units to take, ARGV[1]
    time, now      the server's clock (clock.lua)
    penalized      whether this consume carries a penalty
    n              the number of limits: keyCount, less the penalty's key
    allowed        1 until a limit refuses the cost, then 0
    retryAfter     the longest wait in ms any refusing limit asks for
    neverFits      set when the cost exceeds a limit's capacity: no wait would let it through
    longestWindow  the longest windowMs among the limits (the retry-after when it never fits)
    blockedUntil   epoch ms at which the caller's penalty block ends; 0 when not blocked
]]
--- @include "request"
local cost = arg(1)
--- @include "clock"

local penalized = argCount == 3 * keyCount + 2
local n = keyCount
if penalized then n = n - 1 end
local allowed = 1
local retryAfter = 0
local neverFits = false
local longestWindow = 0
local blockedUntil = 0
