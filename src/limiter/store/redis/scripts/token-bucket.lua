--[[
  Token bucket: `limit` tokens per windowMs refill continuously, up to a capacity of burst (or
  limit). Stored as the bucket's used level (a leaky bucket draining at limit / windowMs per ms),
  not as tokens left, so a changed limit keeps what was already used.

  Input (where includes/request.lua says):
    KEYS[i]      the bucket of limit i, 1 <= i <= n <= 5 (one hash tag for all: cluster-safe)
    ARGV[1]      cost: units to take, an integer >= 0 (0 reports and takes nothing)
    ARGV[3i-1]   limit i: tokens refilled per window
    ARGV[3i]     windowMs i
    ARGV[3i+1]   burst i: the capacity; -1 or empty means limit
    KEYS[n+1], ARGV[3n+2..3n+5]  only with a penalty: see includes/penalty.lua

  Stored in KEYS[i]: "updatedAtMs:level", the level scaled by windowMs so that draining
  (limit per ms in that scale) stays in exact integers. Expires when the bucket is empty.

  Output (where includes/request.lua says):
    {allowed (0|1), nowMs, retryAfterMs, remaining_1, resetMs_1, ..., remaining_n, resetMs_n}
  and, only with a penalty, blockedUntilMs.
]]
--- @include "includes/prelude"

-- Pass 1: decide on every limit before touching any of them.
for i = 1, n do
  local limit = arg(3 * i - 1)
  local window = arg(3 * i)
  local capacity = arg(3 * i + 1)
  if capacity == nil or capacity < 0 then capacity = limit end
  if window > longestWindow then longestWindow = window end
  local level = 0
  local stored = redis.call('GET', KEYS[keyAt + i])
  if stored then
    local at, l = string.match(stored, '^(%d+):(%d+)$')
    local elapsed = now - number(at)
    if elapsed < 0 then elapsed = 0 end
    level = tonumber(l) - limit * elapsed
    if level < 0 then level = 0 end
  end
  state[4 * i - 3], state[4 * i - 2], state[4 * i - 1], state[4 * i] = limit, window, capacity, level

  if cost > capacity then
    neverFits = true
  elseif cost > 0 then
    local excess = level + (cost - capacity) * window
    if excess > 0 then
      allowed = 0
      local wait = math.ceil(excess / limit)
      if wait > retryAfter then retryAfter = wait end
    end
  end
end

--- @include "includes/never-fits"
--- @include "includes/penalty"

--- @include "includes/reply"
for i = 1, n do
  local limit, window, capacity, level = state[4 * i - 3], state[4 * i - 2], state[4 * i - 1], state[4 * i]
  if allowed == 1 and cost > 0 then
    level = level + cost * window
    redis.call('SET', KEYS[keyAt + i], string.format('%d:%d', now, level), 'PX', math.ceil(level / limit))
  end
  report(i, math.floor((capacity * window - level) / window), math.ceil(level / limit))
end
return reply
