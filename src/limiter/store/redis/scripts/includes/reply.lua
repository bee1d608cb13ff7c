--[[
  The reply of every consume script, which consume-reply.ts type-checks:
    {allowed (0|1), nowMs, retryAfterMs, remaining_1, resetMs_1, ..., remaining_n, resetMs_n}
  and, only when penalized, one more element: blockedUntilMs (0 when not blocked). Written into
  reply from reply[replyAt + 1] on (request.lua): alone, the whole reply; in a batch, this
  consume's part of the batch's.

  Expects: allowed and retryAfter final (include after never-fits and penalty), now, n, penalized
  and blockedUntil (from the prelude), reply and replyAt (request.lua).
  Defines: nothing; each limit's pair is then set with report(i, remaining, reset) (report.lua).
]]
reply[replyAt + 1], reply[replyAt + 2], reply[replyAt + 3] = allowed, now, retryAfter
-- Set ahead of the pairs: Redis reads the table in index order only when it is returned.
if penalized then reply[replyAt + 2 * n + 4] = blockedUntil end
