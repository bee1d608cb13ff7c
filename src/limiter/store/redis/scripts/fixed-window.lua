--[[
  Fixed window: one counter per window, windows aligned to epoch multiples of windowMs.

  Input (where includes/request.lua says):
    KEYS[i]      the counter of limit i, 1 <= i <= n <= 5 (one hash tag for all: cluster-safe)
    ARGV[1]      cost: units to take, an integer >= 0 (0 reports and takes nothing)
    ARGV[3i-1]   limit i
    ARGV[3i]     windowMs i
    ARGV[3i+1]   burst i (unused by this algorithm)
    KEYS[n+1], ARGV[3n+2..3n+5]  only with a penalty: see includes/penalty.lua

  Stored in KEYS[i]: "windowStart:count", expiring at the window's end. The start is kept because
  Redis only drops a key 1 ms after its expiry time, when the next window has already begun.

  Output (where includes/request.lua says):
    {allowed (0|1), nowMs, retryAfterMs, remaining_1, resetMs_1, ..., remaining_n, resetMs_n}
  and, only with a penalty, blockedUntilMs.
]]
--- @include "includes/prelude"

-- Pass 1: decide on every limit before touching any of them.
for i = 1, n do
  local limit = arg(3 * i - 1)
  local window = arg(3 * i)
  if window > longestWindow then longestWindow = window end
  local start = now - now % window
  local count = 0
  local stored = redis.call('GET', KEYS[keyAt + i])
  if stored then
    local s, c = string.match(stored, '^(%d+):(%d+)$')
    if number(s) == start then count = number(c) end
  end
  state[3 * i - 2], state[3 * i - 1], state[3 * i] = limit, window, count

  if cost > limit then
    neverFits = true
  elseif cost > 0 and count + cost > limit then
    allowed = 0
    if start + window - now > retryAfter then retryAfter = start + window - now end
  end
end

--- @include "includes/never-fits"
--- @include "includes/penalty"

--- @include "includes/reply"
for i = 1, n do
  local limit, window, count = state[3 * i - 2], state[3 * i - 1], state[3 * i]
  local start = now - now % window
  if allowed == 1 and cost > 0 then
    count = count + cost
    redis.call('SET', KEYS[keyAt + i], string.format('%d:%d', start, count), 'PX', start + window - now)
  end
  local reset = 0
  if count > 0 then reset = start + window - now end
  report(i, limit - count, reset)
end
return reply
