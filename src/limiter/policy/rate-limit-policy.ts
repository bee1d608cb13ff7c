import type { Algorithm, LimitSpec, Penalty } from '../algorithms.js';
import type { CountOnly } from '../rate-limit.options.js';

/**
 * A compiled, immutable policy: what the limiter enforces for one request. Built from a route's
 * `@RateLimit()` options, the module's default, or (later) an admin rule.
 *
 * @publicApi
 */
export interface RateLimitPolicy {
  /** The counters' namespace and the name reported in headers and bodies (`rule`). */
  readonly name: string;
  /** How the limits count (see `ALGORITHMS`). */
  readonly algorithm: Algorithm;
  /** 1 to `MAX_LIMITS` limits, all enforced atomically; `concurrency` takes exactly one. */
  readonly limits: readonly LimitSpec[];
  /** Decide, log and count, but let the request through. */
  readonly shadow: boolean;
  /**
   * The rule this policy belongs to, when `name` says more: a per-resource policy of an admin rule
   * is named `rule|resource`, and the resource may come from a caller. Metrics and traces label
   * decisions with `rule ?? name`, so their label values stay bounded by the rules.
   */
  readonly rule?: string;
  /** Blocks a caller refused for being over a limit (defaults applied). Undefined: no penalty. */
  readonly penalty?: Penalty;
  /** Count only failed or only succeeded responses (the guard refunds the others). Undefined: all. */
  readonly countOnly?: CountOnly;
}
