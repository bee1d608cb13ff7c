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

  `--- @consume` is replaced by the algorithm's consume script, its includes expanded but for the
  clock. Inside `consume(KEYS, ARGV)` those two names are the function's parameters, so the script
  reads one consume's keys and arguments exactly as when it runs alone.

  One clock for the batch: TIME is read once, here (the consume script's own clock include is left
  out), and every consume decides at that instant, which atomically they did.

  One read and one write per key: inside the batch `redis` is a stand-in whose `call` keeps each
  key's value once read (GET) or written (SET key value PX ms, the only SET the consume scripts
  make). A key read again gets that value without a GET, and only its last SET goes to Redis, at
  the end, with the PX that SET gave (relative to the same instant: Redis runs a script at one
  time). So a hot key's consumes cost one GET and one SET for the whole batch. Any other command on
  a key (the sliding log's sorted sets) first writes the key's pending SET and forgets its value,
  so it acts on what it would have alone.
]]
--- @include "includes/clock"

local values, expiries, written = {}, {}, {}
local server = redis

local function writePending(key)
  local px = expiries[key]
  if px ~= nil then
    server.call('SET', key, values[key], 'PX', px)
    expiries[key] = nil
  end
end

local redis = {
  call = function(command, key, ...)
    if command == 'GET' then
      local value = values[key]
      if value == nil then
        value = server.call('GET', key)
        values[key] = value
      end
      return value
    elseif command == 'SET' then
      local value, _, px = ...
      if expiries[key] == nil then written[#written + 1] = key end
      values[key], expiries[key] = value, px
      return true
    end
    writePending(key)
    values[key] = nil
    return server.call(command, key, ...)
  end,
}

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
for _, key in ipairs(written) do writePending(key) end
return replies
