--[[
  Where a consume's input and reply are. A consume script run alone has all of KEYS and ARGV and
  returns a reply of its own. Inside batch.lua, which provides these names (so this file is left
  out there), each consume reads its part of the batch's KEYS and ARGV in place and writes its
  reply into the batch's one reply: no table per consume for any of them.

  Defines (locals of the including script):
    keyAt, argAt        offsets: the consume's keys are KEYS[keyAt + 1 .. keyAt + keyCount], its
                        arguments ARGV[argAt + 1 .. argAt + argCount] (in every layout below,
                        KEYS[i] reads KEYS[keyAt + i] and ARGV[j] reads ARGV[argAt + j])
    keyCount, argCount  how many keys and arguments the consume has
    number(text)        tonumber(text); a batch parses each distinct string once
    arg(j)              ARGV[j] of the consume as a number (number())
    reply, replyAt      the table the reply goes in, from reply[replyAt + 1] on (reply.lua)
    report(i, remaining, reset)  sets limit i's pair of the reply (report.lua)
    state               per-limit state of the script between its two passes; every consume of a
                        batch gets the same table, so each writes a limit's entries before reading them
]]
-- Alone, the reply starts at 1 and is at least 5 integers (one limit), all of them written; the
-- state has room for one limit's (so it never grows for the usual one).
local keyAt, argAt, keyCount, argCount = 0, 0, #KEYS, #ARGV
local reply, replyAt, state = {0, 0, 0, 0, 0}, 0, {0, 0, 0, 0}
local number = tonumber

local function arg(j)
  return tonumber(ARGV[j])
end

--- @include "report"
