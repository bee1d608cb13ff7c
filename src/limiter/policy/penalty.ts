import type { Penalty } from '../algorithms.js';
import type { PenaltyOptions } from '../rate-limit.options.js';

/** The longest block, maximum block and decay a penalty may name: 31 days, as the longest window. */
export const MAX_PENALTY_MS = 31 * 24 * 3_600_000;
/** The largest factor one repeat offence may multiply a block by. */
export const MAX_PENALTY_MULTIPLIER = 100;
/**
 * Default `maxBlockMs`: a day. A rate limiter's block is a cooling-off, not a ban: whoever needs to
 * keep someone out for longer has the admin blocks (issue 5 §3), which a person decides and lifts.
 */
export const DEFAULT_MAX_BLOCK_MS = 24 * 3_600_000;
/**
 * Default `decayMs` is this many times `blockDurationMs` (at most `MAX_PENALTY_MS`). Long against
 * the block, so that coming straight back to the same abuse after a block counts as a repeat; short
 * against a day, so that a client that once burst (a cron job, a retry storm after an outage) is
 * forgiven within minutes or hours rather than carrying its offence for good. With a 1-minute block:
 * a second offence within 10 minutes of the block's end doubles (with multiplier 2) the next block.
 */
export const DEFAULT_DECAY_FACTOR = 10;

/**
 * A penalty with every default applied, frozen: `multiplier` 1 (every block is as long),
 * `decayMs` 10 x `blockDurationMs` (see `DEFAULT_DECAY_FACTOR`), `maxBlockMs` 24 h (or
 * `blockDurationMs` when that is longer). Expects validated options (`compileRateLimit` and the
 * rule body validation check them first).
 *
 * @example
 * withPenaltyDefaults({ blockDurationMs: 60_000, multiplier: 2 })
 * // { blockDurationMs: 60000, multiplier: 2, decayMs: 600000, maxBlockMs: 86400000 }
 */
export function withPenaltyDefaults(options: PenaltyOptions): Penalty {
  const { blockDurationMs } = options;
  return Object.freeze({
    blockDurationMs,
    multiplier: options.multiplier ?? 1,
    decayMs: options.decayMs ?? Math.min(blockDurationMs * DEFAULT_DECAY_FACTOR, MAX_PENALTY_MS),
    maxBlockMs: options.maxBlockMs ?? Math.max(DEFAULT_MAX_BLOCK_MS, blockDurationMs),
  });
}

/**
 * The penalty of a policy from its two spellings: `blockDurationMs` alone (a fixed block) or the
 * full `penalty`; undefined when it has neither. Expects validated options (not both).
 */
export function penaltyOf(options: { blockDurationMs?: number; penalty?: PenaltyOptions }): Penalty | undefined {
  if (options.penalty !== undefined) return withPenaltyDefaults(options.penalty);
  if (options.blockDurationMs !== undefined) return withPenaltyDefaults({ blockDurationMs: options.blockDurationMs });
  return undefined;
}
