--[[
  Sliding window (weighted): the current and the previous window's counts, windows aligned to
  epoch multiples of windowMs; usage = previous * (1 - elapsed / windowMs) + current.

  Input (where includes/request.lua says):
    KEYS[i]      the counter of limit i, 1 <= i <= n <= 5 (one hash tag for all: cluster-safe)
    ARGV[1]      cost: units to take, an integer >= 0 (0 reports and takes nothing)
    ARGV[3i-1]   limit i
    ARGV[3i]     windowMs i
    ARGV[3i+1]   burst i (unused by this algorithm)
    KEYS[n+1], ARGV[3n+2..3n+5]  only with a penalty: see includes/penalty.lua

  Stored in KEYS[i]: "windowStart:previousCount:currentCount", expiring when both have slid out.

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
  local prev, cur = 0, 0
  local stored = redis.call('GET', KEYS[keyAt + i])
  if stored then
    local s, p, c = string.match(stored, '^(%d+):(%d+):(%d+)$')
    s = number(s)
    if s == start then
      prev, cur = number(p), number(c)
    elseif s == start - window then
      prev = number(c)
    end
  end
  state[4 * i - 3], state[4 * i - 2], state[4 * i - 1], state[4 * i] = limit, window, prev, cur

  if cost > limit then
    neverFits = true
  elseif cost > 0 then
    local elapsed = now - start
    -- Usage scaled by the window keeps the comparison in exact integers.
    if prev * (window - elapsed) + (cur + cost) * window > limit * window then
      allowed = 0
      local fitsAt
      if cur + cost <= limit then
        -- Later in this window, once enough of the previous window has slid out.
        fitsAt = start + window - math.floor((limit - cur - cost) * window / prev)
      else
        -- In the next window, where the current count becomes the previous one.
        fitsAt = start + 2 * window - math.floor((limit - cost) * window / cur)
      end
      if fitsAt - now > retryAfter then retryAfter = fitsAt - now end
    end
  end
end

--- @include "includes/never-fits"
--- @include "includes/penalty"

--- @include "includes/reply"
for i = 1, n do
  local limit, window, prev, cur = state[4 * i - 3], state[4 * i - 2], state[4 * i - 1], state[4 * i]
  local start = now - now % window
  if allowed == 1 and cost > 0 then
    cur = cur + cost
    redis.call('SET', KEYS[keyAt + i], string.format('%d:%d:%d', start, prev, cur), 'PX', start + 2 * window - now)
  end
  local usedScaled = prev * (window - (now - start)) + cur * window
  local reset = 0
  if cur > 0 then
    reset = start + 2 * window - now
  elseif prev > 0 then
    reset = start + window - now
  end
  report(i, math.floor((limit * window - usedScaled) / window), reset)
end
return reply
