import type { Algorithm, LimitSpec } from '../algorithms.js';

/**
 * A compiled, immutable policy: what the limiter enforces for one request. Built from a route's
 * `@RateLimit()` options, the module's default, or (later) an admin rule.
 */
export interface RateLimitPolicy {
  /** The counters' namespace and the name reported in headers and bodies (`rule`). */
  readonly name: string;
  readonly algorithm: Algorithm;
  readonly limits: readonly LimitSpec[];
  /** Decide, log and count, but let the request through. */
  readonly shadow: boolean;
}
