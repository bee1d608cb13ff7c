--[[
  Sliding window refund: gives back cost units taken at consumedAtMs to the window they were taken
  from, the current or the previous one (the previous still weighs in; an older one does not). A
  count never goes below 0.

  Input:
    KEYS[i]      the counter of limit i, as sliding-window.lua keeps it, 1 <= i <= 5
    ARGV[1]      cost: units to give back, an integer >= 0
    ARGV[2]      consumedAtMs: the nowMs the consume reported
    ARGV[2i+1]   limit i (unused here)
    ARGV[2i+2]   windowMs i

  Stored "windowStart:previousCount:currentCount" may not have rolled yet: its current count is
  then this window's previous one. It keeps its expiry (two windows after windowStart).

  Output: how many limits got units back.
]]
--- @include "includes/clock"
local cost = tonumber(ARGV[1])
local consumedAt = tonumber(ARGV[2])
local refunded = 0

for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i + 2])
  local start = now - now % window
  local taken = consumedAt - consumedAt % window
  local stored = cost > 0 and (taken == start or taken == start - window) and redis.call('GET', KEYS[i])
  if stored then
    local s, p, c = string.match(stored, '^(%d+):(%d+):(%d+)$')
    s, p, c = tonumber(s), tonumber(p), tonumber(c)
    local changed = false
    if taken == s and c > 0 then
      c, changed = math.max(0, c - cost), true
    elseif taken == s - window and p > 0 then
      p, changed = math.max(0, p - cost), true
    end
    if changed then
      if p == 0 and c == 0 then
        redis.call('DEL', KEYS[i])
      else
        redis.call('SET', KEYS[i], string.format('%d:%d:%d', s, p, c), 'PX', s + 2 * window - now)
      end
      refunded = refunded + 1
    end
  end
end
return refunded
