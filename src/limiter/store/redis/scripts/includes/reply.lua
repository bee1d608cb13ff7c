--[[
  The reply of every consume script, which consume-reply.ts type-checks:
    {allowed (0|1), nowMs, retryAfterMs, remaining_1, resetMs_1, ..., remaining_n, resetMs_n}
  and, only when penalized, one more element: blockedUntilMs (0 when not blocked).

  Expects: allowed and retryAfter final (include after never-fits and penalty), now, n, penalized
  and blockedUntil (from the prelude).
  Defines:
    reply                        the reply, its limits filled in by report
    report(i, remaining, reset)  sets limit i's pair; a remaining below 0 is reported as 0
]]
local reply = {allowed, now, retryAfter}
-- Set ahead of the pairs: Redis reads the table in index order only when it is returned.
if penalized then reply[2 * n + 4] = blockedUntil end

local function report(i, remaining, reset)
  if remaining < 0 then remaining = 0 end
  reply[2 * i + 2] = remaining
  reply[2 * i + 3] = reset
end
