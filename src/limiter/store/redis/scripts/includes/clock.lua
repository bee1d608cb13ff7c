--[[
  The server's clock, for every script that reads time: one clock for every node, whatever theirs
  say.

  Defines (locals of the including script):
    time  Redis TIME: {seconds, microseconds}, for scripts that need more than ms
    now   Redis time in epoch ms
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
