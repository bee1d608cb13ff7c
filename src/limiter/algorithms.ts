/**
 * The limiting algorithms Floodgate implements. Every store implements all of them with the same
 * semantics (the store contract suite in `store/store.contract.ts` is the executable spec).
 *
 * The first five count units over time (`RATE_ALGORITHMS`). `concurrency` counts requests in
 * flight instead: its one limit is `{ limit: slots, windowMs: leaseMs }`, and each admitted request
 * holds a slot (a lease) until it is released or its lease expires.
 */
export const ALGORITHMS = [
  'sliding_window',
  'sliding_log',
  'token_bucket',
  'fixed_window',
  'gcra',
  'concurrency',
] as const;
/**
 * One of `ALGORITHMS`: what `@RateLimit({ algorithm })` takes.
 *
 * @publicApi
 */
export type Algorithm = (typeof ALGORITHMS)[number];
/** The algorithm of a policy that names none. */
export const DEFAULT_ALGORITHM: Algorithm = 'sliding_window';

/** The algorithms that count units taken over a window (every one but `concurrency`). */
export const RATE_ALGORITHMS = ['sliding_window', 'sliding_log', 'token_bucket', 'fixed_window', 'gcra'] as const;
/** One of `RATE_ALGORITHMS`. */
export type RateAlgorithm = (typeof RATE_ALGORITHMS)[number];

/** Most limits one policy may enforce atomically. */
export const MAX_LIMITS = 5;

/**
 * The largest `limit` a `sliding_log` limit may have: the log keeps one entry per unit in its
 * window (about 25 bytes each in Redis), so a caller's cost grows with the limit. Larger limits
 * want a `sliding_window`, which costs the same whatever the limit.
 */
export const MAX_SLIDING_LOG_LIMIT = 10_000;

/**
 * One limit: at most `limit` units per `windowMs`.
 * `burst` only matters to `token_bucket` (bucket capacity) and `gcra` (tolerance): unset means
 * `limit`, so a fresh key can take exactly `limit` at once whatever the algorithm.
 * For `concurrency`: at most `limit` requests in flight, each slot leased for `windowMs`.
 *
 * @publicApi
 */
export interface LimitSpec {
  /** Units per window (an integer >= 1); for `concurrency`, the slots. */
  readonly limit: number;
  /** The window, ms (an integer >= 1); for `concurrency`, how long a slot is leased. */
  readonly windowMs: number;
  /** `token_bucket`'s capacity or `gcra`'s tolerance, in units; default `limit`. */
  readonly burst?: number;
}

/**
 * A progressive penalty, every field resolved (see `policy/penalty.ts` for the defaults): once a
 * request is refused for being over a limit, the caller stays refused for
 * `min(blockDurationMs * multiplier^(offences - 1), maxBlockMs)`, where `offences` counts the blocks
 * started since the caller last stayed clean for `decayMs` after a block ended.
 */
export interface Penalty {
  /** The first block, ms. */
  readonly blockDurationMs: number;
  /** Each repeat offence multiplies the block by this; 1: every block lasts blockDurationMs. */
  readonly multiplier: number;
  /** How long after a block ends the offences are forgotten, ms. */
  readonly decayMs: number;
  /** The longest block, ms. */
  readonly maxBlockMs: number;
}

/** Whether `value` names one of `ALGORITHMS`. */
export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}
