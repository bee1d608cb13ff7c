--[[
  Ends pass 1 of every limiter script: a cost larger than some limit's capacity is refused, and
  the caller is told to wait the longest window (waiting cannot help, so no shorter wait is true).

  Expects: allowed, retryAfter, neverFits, longestWindow (from the prelude), pass 1 done.
  Defines: nothing; leaves allowed and retryAfter final.
]]
if neverFits then
  allowed = 0
  retryAfter = longestWindow
end
