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
    ARGV[1 + i]  for consume i (1 <= i <= c, in order): the index in ARGV of its argument list
    then the argument lists, each: a number of keys, a number of arguments, then the arguments (as
    the consume script takes them: the cost first). Consumes with the same arguments (the same
    cost, limits and penalty: mostly, one rule's) share one list, which Redis then receives and
    parses once instead of once per consume.
  Output: one flat array, every consume's reply (as its consume script answers it alone) one after
  another, in order; each consume's length follows from its counts (includes/reply.lua), which is
  how consume-reply.ts splits it. (A reply per consume, nested, cost Redis a table per consume and
  an array more to write.)

  `--- @consume` is replaced by the algorithm's consume script, its includes expanded but for the
  clock and includes/request.lua: the names that one defines are this file's, set for each consume
  before `consume()` runs, so the script reads its keys and arguments in place and writes its reply
  into the batch's.

  Every distinct number string is parsed once for the batch (`number`, `arg`): the consumes of a
  batch mostly carry the same costs, limits and windows, and read the same window starts.

  One clock for the batch: TIME is read once, here (the consume script's own clock include is left
  out), and every consume decides at that instant, which atomically they did.

  One read and one write per key: inside the batch `redis` is a stand-in whose `call` keeps each
  key's value once read (GET) or written (SET key value PX ms, the only SET the consume scripts
  make). A key read again gets that value without a GET, and only its last SET goes to Redis, at
  the end, with the PX that SET gave (relative to the same instant: Redis runs a script at one
  time). So a hot key's consumes cost one GET and one SET for the whole batch. Any other command on
  a key (the sliding log's sorted sets) first writes the key's pending SET and forgets its value,
  so it acts on what it would have alone. Each distinct PX goes as text made once for the batch
  (the same digits Redis would make of the number for every SET): the keys of one batch mostly
  expire alike, at one window's end seen from one instant.
]]
--- @include "includes/clock"

local values, expiries, written, expiryTexts = {}, {}, {}, {}
local server = redis

local function writePending(key)
  local px = expiries[key]
  if px ~= nil then
    local text = expiryTexts[px]
    if text == nil then
      text = string.format('%d', px)
      expiryTexts[px] = text
    end
    server.call('SET', key, values[key], 'PX', text)
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

local keyAt, argAt, keyCount, argCount, reply, replyAt, state = 0, 0, 0, 0, {}, 0, {}
local parsed = {}

local function number(text)
  local value = parsed[text]
  if value == nil then
    value = tonumber(text)
    -- Only what parses: an absent argument (nil) is no table key.
    if value ~= nil then parsed[text] = value end
  end
  return value
end

-- number(ARGV[argAt + j]), written out: a Lua call costs Redis about as much as the lookup.
local function arg(j)
  local text = ARGV[argAt + j]
  local value = parsed[text]
  if value == nil then
    value = tonumber(text)
    if value ~= nil then parsed[text] = value end
  end
  return value
end

--- @include "includes/report"

local function consume()
--- @consume
end

-- `parsed[text] or number(text)`: number() without a call when it has parsed the text already (a
-- Lua call costs Redis about what the lookup does).
for c = 1, number(ARGV[1]) do
  -- ARGV[at] and ARGV[at + 1]: the consume's counts, its arguments after them.
  local at = parsed[ARGV[1 + c]] or number(ARGV[1 + c])
  keyCount = parsed[ARGV[at]] or number(ARGV[at])
  argCount = parsed[ARGV[at + 1]] or number(ARGV[at + 1])
  argAt = at + 1
  consume()
  keyAt = keyAt + keyCount
  -- The next reply starts after this one: every consume fills its part of reply whole.
  replyAt = #reply
end
for _, key in ipairs(written) do writePending(key) end
return reply
