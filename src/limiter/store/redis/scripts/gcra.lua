--[[
  GCRA (generic cell rate algorithm): one theoretical arrival time (TAT) per key. Emission
  interval T = windowMs / limit; tolerance = (burst or limit) * T, so a fresh key takes exactly
  burst (or limit) at once. Times are integer microseconds, T rounded up, so rounding can only
  make the limiter stricter by under 1 us per unit, never looser.

  Input (where includes/request.lua says):
    KEYS[i]      the TAT of limit i, 1 <= i <= n <= 5 (one hash tag for all: cluster-safe)
    ARGV[1]      cost: units to take, an integer >= 0 (0 reports and takes nothing)
    ARGV[3i-1]   limit i
    ARGV[3i]     windowMs i
    ARGV[3i+1]   burst i: the tolerance in units; -1 or empty means limit
    KEYS[n+1], ARGV[3n+2..3n+5]  only with a penalty: see includes/penalty.lua

  Stored in KEYS[i]: the TAT in epoch microseconds (an integer: Redis keeps it in the object
  itself), expiring when the TAT is reached.

  Output (where includes/request.lua says):
    {allowed (0|1), nowMs, retryAfterMs, remaining_1, resetMs_1, ..., remaining_n, resetMs_n}
  and, only with a penalty, blockedUntilMs.
]]
--- @include "includes/prelude"
local nowUs = tonumber(time[1]) * 1000000 + tonumber(time[2])

-- Pass 1: decide on every limit before touching any of them.
for i = 1, n do
  local limit = arg(3 * i - 1)
  local window = arg(3 * i)
  local capacity = arg(3 * i + 1)
  if capacity == nil or capacity < 0 then capacity = limit end
  if window > longestWindow then longestWindow = window end
  local interval = math.ceil(window * 1000 / limit)
  local tolerance = capacity * interval
  -- debt: how far the TAT is ahead of now (0 when the key has fully drained)
  local debt = 0
  local tat = tonumber(redis.call('GET', KEYS[keyAt + i]))
  if tat and tat > nowUs then debt = tat - nowUs end
  state[3 * i - 2], state[3 * i - 1], state[3 * i] = debt, interval, tolerance

  if cost > capacity then
    neverFits = true
  elseif cost > 0 then
    local excess = debt + cost * interval - tolerance
    if excess > 0 then
      allowed = 0
      local wait = math.ceil(excess / 1000)
      if wait > retryAfter then retryAfter = wait end
    end
  end
end

--- @include "includes/never-fits"
--- @include "includes/penalty"

--- @include "includes/reply"
for i = 1, n do
  local debt, interval, tolerance = state[3 * i - 2], state[3 * i - 1], state[3 * i]
  if allowed == 1 and cost > 0 then
    debt = debt + cost * interval
    redis.call('SET', KEYS[keyAt + i], string.format('%d', nowUs + debt), 'PX', math.ceil(debt / 1000))
  end
  report(i, math.floor((tolerance - debt) / interval), math.ceil(debt / 1000))
end
return reply
