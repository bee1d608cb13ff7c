--[[
  Penalties: a refusal for being over a limit blocks the caller, and a blocked caller is refused,
  consuming nothing, until the block ends. The k-th block since the caller last stayed clean for
  decayMs after a block lasts min(blockDurationMs * multiplier^(k - 1), maxBlockMs). Requests made
  during a block neither extend it nor count as offences; a cost that can never fit is a malformed
  request, not an offence.

  Input, only when penalized (prelude.lua; read where request.lua says): a consume without a
  penalty never reads the key.
    KEYS[n+1]    the caller's penalty (penaltyKey() in store-key.ts: the limits' hash tag)
    ARGV[3n+2]   blockDurationMs
    ARGV[3n+3]   multiplier (1: every block is as long)
    ARGV[3n+4]   decayMs
    ARGV[3n+5]   maxBlockMs

  Stored in KEYS[n+1]: "blockedUntilMs:offences", expiring decayMs after the block ends (with
  multiplier 1 the offences change nothing, so when the block ends).

  Expects: the verdict on every limit, never-fits applied: allowed, retryAfter, neverFits; cost, now.
  Sets: blockedUntil; allowed and retryAfter when the caller is blocked, or this refusal blocks it.
]]
if penalized then
  local penalty = KEYS[keyAt + n + 1]
  local blockMs = arg(3 * n + 2)
  local multiplier = arg(3 * n + 3)
  local decayMs = arg(3 * n + 4)
  local maxBlockMs = arg(3 * n + 5)
  local offences = 0
  local stored = redis.call('GET', penalty)
  if stored then
    local ends, count = string.match(stored, '^(%d+):(%d+)$')
    offences = tonumber(count) or 0
    if ends and tonumber(ends) > now then blockedUntil = tonumber(ends) end
  end

  if blockedUntil > 0 then
    if cost > 0 then
      allowed = 0
      if blockedUntil - now > retryAfter then retryAfter = blockedUntil - now end
    end
  elseif allowed == 0 and not neverFits then
    offences = offences + 1
    local block = blockMs
    if multiplier > 1 then
      -- Stops at the cap: at most log(maxBlockMs / blockDurationMs) rounds, however many offences.
      for _ = 2, offences do
        block = block * multiplier
        if block >= maxBlockMs then break end
      end
    end
    if block > maxBlockMs then block = maxBlockMs end
    blockedUntil = now + block
    -- Announce the limits' own wait when it is longer: whoever waits as told is then let through
    -- rather than refused again, and blocked again for it.
    if block > retryAfter then retryAfter = block end
    local ttl = block
    if multiplier > 1 then ttl = block + decayMs end
    redis.call('SET', penalty, string.format('%d:%d', blockedUntil, offences), 'PX', ttl)
  end
end
