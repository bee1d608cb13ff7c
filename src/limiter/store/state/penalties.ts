import type { Penalty } from '../../algorithms.js';
import type { MeterState } from './meters.js';

/** One caller's penalty under one rule, as `includes/penalty.lua` keeps it in Redis. */
export interface PenaltyState extends MeterState {
  /** When the last block ends (it may have ended already). */
  blockedUntil: number;
  /** Blocks started since the caller last stayed clean for `decayMs` after one. */
  offences: number;
}

/** What a penalty makes of a verdict on the limits. */
export interface PenaltyVerdict {
  /** 0: allowed. */
  readonly retryAfterMs: number;
  /** 0: not blocked. */
  readonly blockedUntil: number;
  /** The state to store when this verdict started a block; undefined when nothing changes. */
  readonly started?: PenaltyState;
}

/**
 * The k-th block: `min(blockDurationMs * multiplier^(k - 1), maxBlockMs)`, multiplied step by step
 * and stopped at the cap, exactly as the Lua does (no overflow, however many offences).
 */
export function blockDuration({ blockDurationMs, multiplier, maxBlockMs }: Penalty, offences: number): number {
  let block = blockDurationMs;
  for (let k = 2; k <= offences && multiplier > 1 && block < maxBlockMs; k++) block *= multiplier;
  return Math.min(block, maxBlockMs);
}

/**
 * Applies a penalty to the verdict on the limits (`retryAfterMs` 0 when every limit fits), as
 * `includes/penalty.lua` does: a caller blocked now is refused (a cost-0 report still passes) for
 * the rest of the block; a caller refused for being over a limit (not for a cost that can never
 * fit) starts a new block, its offences counted while the previous block's decay lasts.
 */
export function penalize(
  stored: PenaltyState | undefined,
  penalty: Penalty,
  cost: number,
  retryAfterMs: number,
  neverFits: boolean,
  now: number,
): PenaltyVerdict {
  // Redis drops a penalty key once it expires; here it may linger until the next sweep.
  const live = stored !== undefined && stored.expiresAt > now ? stored : undefined;
  if (live !== undefined && live.blockedUntil > now) {
    const wait = cost > 0 ? Math.max(retryAfterMs, live.blockedUntil - now) : retryAfterMs;
    return { retryAfterMs: wait, blockedUntil: live.blockedUntil };
  }
  if (retryAfterMs === 0 || neverFits) return { retryAfterMs, blockedUntil: 0 };
  const offences = (live?.offences ?? 0) + 1;
  const block = blockDuration(penalty, offences);
  const blockedUntil = now + block;
  // With multiplier 1 the count changes nothing: forget it with the block.
  const expiresAt = blockedUntil + (penalty.multiplier > 1 ? penalty.decayMs : 0);
  return { retryAfterMs: Math.max(retryAfterMs, block), blockedUntil, started: { blockedUntil, offences, expiresAt } };
}
