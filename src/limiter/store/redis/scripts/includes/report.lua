--[[
  report(i, remaining, reset): sets limit i's pair of a consume's reply (reply.lua); a remaining
  below 0 is reported as 0. One definition for a consume run alone (request.lua) and for the
  consumes of a batch (batch.lua), which both include it after defining reply and replyAt.

  Expects: reply, replyAt (locals of the including script).
]]
local function report(i, remaining, reset)
  if remaining < 0 then remaining = 0 end
  reply[replyAt + 2 * i + 2] = remaining
  reply[replyAt + 2 * i + 3] = reset
end
