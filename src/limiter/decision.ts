import type { Algorithm } from './algorithms.js';
import type { LimitStatus } from './store/rate-limit.store.js';

/**
 * What a decision does when the store fails: `open` lets the request through, `closed` refuses it
 * (503). Here with the decision's other types, not beside the limiter, so the options that name it
 * do not import the limiter (which imports them).
 *
 * @publicApi
 */
export type FailMode = 'open' | 'closed';

/**
 * - `allowed`: under every limit.
 * - `limited`: over a limit; the request is refused (429).
 * - `shadow_limited`: over a limit of a shadow policy; let through, but logged and counted.
 * - `failed_open`: the store failed and fail mode is `open`; let through.
 * - `failed_closed`: the store failed and fail mode is `closed`; refused (503).
 */
export type DecisionOutcome = 'allowed' | 'limited' | 'shadow_limited' | 'failed_open' | 'failed_closed';

/** Where the answer came from. */
export type DecisionSource = 'store' | 'cache' | 'insurance' | 'none';

/**
 * The result of one rate-limit decision: a value, never a bare boolean.
 *
 * The scalar fields (`limit`, `remaining`, `resetAt`) describe the most constraining limit
 * (the one that denied, or else the one with the fewest units left); `limits` has them all.
 *
 * @example
 * const d = await limiter.consume(policy, 'ip:203.0.113.7', 1);
 * if (!d.allowed) reply.code(d.outcome === 'failed_closed' ? 503 : 429);
 *
 * @publicApi
 */
export interface RateLimitDecision {
  /** Whether the request may proceed (true for `allowed`, `shadow_limited`, `failed_open`). */
  readonly allowed: boolean;
  /** What was decided, and whether the store was reached (see `DecisionOutcome`). */
  readonly outcome: DecisionOutcome;
  /** The applied policy's name. */
  readonly rule: string;
  /** The applied policy's algorithm. */
  readonly algorithm: Algorithm;
  /** The most constraining limit's `limit`. */
  readonly limit: number;
  /** Units the most constraining limit has left after this decision (0 when refused). */
  readonly remaining: number;
  /** Epoch ms when the most constraining limit's quota is whole again (on denial: when to retry). */
  readonly resetAt: number;
  /**
   * The same moment as `resetAt`, relative: milliseconds from the decision. Headers use this one,
   * since `resetAt` is on the store's clock.
   */
  readonly resetMs: number;
  /** 0 unless refused; then milliseconds to wait before retrying. */
  readonly retryAfterMs: number;
  /** Every limit of the policy, in the policy's order, with what it has left. */
  readonly limits: readonly LimitStatus[];
  /** Who answered: the store, the denial cache, the insurance limiter, or nobody (the store failed). */
  readonly source: DecisionSource;
  /**
   * The clock of the store that decided (`source` `store` or `insurance`), epoch ms: which window
   * the units were taken from, for `RateLimiter.refund()`.
   */
  readonly decidedAt?: number;
  /**
   * Set while the caller is blocked by the policy's penalty: epoch ms (store clock) when the block
   * ends. `remaining` is then 0 (nothing can be taken before), whatever the counters say.
   */
  readonly blockedUntil?: number;
  /**
   * `concurrency`, allowed: the slot this request holds. Give it to `RateLimiter.release()` when
   * the response is finished (or failed); otherwise it is freed when its lease expires.
   */
  readonly leaseId?: string;
}

/**
 * Who asked for a decision. Labels its latency metric and goes on its trace span; never part of the
 * decision itself.
 *
 * @example
 * limiter.consume(policy, identity, 1, { entry: 'check', correlationId: request.id });
 */
export interface DecisionOrigin {
  /**
   * The entry point: `guard` (a route's `@RateLimit()`), `check` (`POST /v1/check`),
   * `auth_request` (`GET /v1/check/auth-request`), `envoy` (`ShouldRateLimit`), or an app's own.
   */
  readonly entry: string;
  /** The request's correlation id (`X-Correlation-ID`), for the trace span. */
  readonly correlationId?: string;
  /**
   * A look that decides nothing about a request (explain's what-if, a status read before the real
   * decision): traced, but not counted as a decision in metrics.
   */
  readonly dryRun?: boolean;
}
