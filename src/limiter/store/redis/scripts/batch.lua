--[[
  Batch: several consumes, of one caller or of many, each as if it had been sent alone, one after
  the other, with nothing in between. A node sends it for the consumes of one algorithm made in
  one event-loop turn (consume-batcher.ts): one script run and one reply for many decisions
  instead of one each, and exactly the same answers.

  Input:
    KEYS[i]      every consume's keys (as its consume script takes them), one consume after another;
                 the keys after the last consume's are padding (the command takes a fixed number of
                 keys, a power of two), ignored
    ARGV[1]      the number of consumes, c
    then per consume, in order: its number of keys, its number of arguments, then its arguments
    (as its consume script takes them: the cost first)
  Output: one consume reply per consume, in order.

  `--- @consume` is replaced by the algorithm's consume script, its includes expanded. Inside
  `consume(KEYS, ARGV)` those two names are the function's parameters, so the script reads one
  consume's keys and arguments exactly as when it runs alone.
]]
local function consume(KEYS, ARGV)
--- @consume
end

local replies = {}
local nextKey, nextArg = 1, 2
for c = 1, tonumber(ARGV[1]) do
  local keyCount, argCount = tonumber(ARGV[nextArg]), tonumber(ARGV[nextArg + 1])
  nextArg = nextArg + 2
  local keys, args = {}, {}
  for i = 1, keyCount do keys[i] = KEYS[nextKey + i - 1] end
  for i = 1, argCount do args[i] = ARGV[nextArg + i - 1] end
  nextKey, nextArg = nextKey + keyCount, nextArg + argCount
  replies[c] = consume(keys, args)
end
return replies
