/**
 * The rate-limiting algorithms Floodgate implements. Every store implements all of them with the
 * same semantics (the store contract suite in `store/store.contract.ts` is the executable spec).
 */
export const ALGORITHMS = ['sliding_window', 'sliding_log', 'token_bucket', 'fixed_window', 'gcra'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const DEFAULT_ALGORITHM: Algorithm = 'sliding_window';

/** Most limits one policy may enforce atomically. */
export const MAX_LIMITS = 5;

/**
 * One limit: at most `limit` units per `windowMs`.
 * `burst` only matters to `token_bucket` (bucket capacity) and `gcra` (tolerance): unset means
 * `limit`, so a fresh key can take exactly `limit` at once whatever the algorithm.
 */
export interface LimitSpec {
  readonly limit: number;
  readonly windowMs: number;
  readonly burst?: number;
}

export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}
