/**
 * The answer of `POST /v1/check` (200 allowed, 429 limited, 503 store down in fail-closed mode).
 *
 * When no rule applies to the request (the policy resolver answers "not limited"), it is allowed
 * and `limit`, `remaining`, `resetAt` and `rule` are `null`, `retryAfterMs` is 0, and no rate-limit
 * headers are sent.
 */
export interface CheckResponse {
  readonly allowed: boolean;
  /** The quota: the rule's `limit`, or a token_bucket or gcra rule's `burst` (what can be held). */
  readonly limit: number | null;
  readonly remaining: number | null;
  /** Epoch ms when the quota is whole again (when refused: when to retry). */
  readonly resetAt: number | null;
  /** 0 unless refused. */
  readonly retryAfterMs: number;
  /** The name of the rule that decided. */
  readonly rule: string | null;
  /** A concurrency rule's slot this decision holds: give it back with `POST /v1/check/release`. */
  readonly leaseId?: string;
  /**
   * Only for a token_bucket or gcra rule with a `burst`: how the quota refills, `limit` units per
   * `windowMs` (the rule's rate, where `limit` above is its capacity).
   */
  readonly refill?: { readonly limit: number; readonly windowMs: number };
  /** While a penalty blocks the caller: when the block ends (epoch ms). */
  readonly blockedUntil?: number;
  /** Only when the caller is blocked (403/429): `blocked`, with the block's public reason in `message`. */
  readonly reason?: 'blocked';
  readonly message?: string;
}

/** The body for requests no rule limits. */
export const UNLIMITED: CheckResponse = Object.freeze({
  allowed: true,
  limit: null,
  remaining: null,
  resetAt: null,
  retryAfterMs: 0,
  rule: null,
});
