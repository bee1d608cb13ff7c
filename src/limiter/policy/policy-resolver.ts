import type { RateLimitPolicy } from './rate-limit-policy.js';

/**
 * What is known about a request when its policy is chosen.
 *
 * @publicApi
 */
export interface PolicyQuery {
  /** The resource: a route's name (`"GET /users/:id"` or `@RateLimit({ name })`) or `/v1/check`'s `resource`. */
  readonly resource: string;
  /** The caller's tier (from its API key, via the `CallerGate`), if any: tier rules match it. */
  readonly tier?: string;
  /** The caller's client id (`/v1/check`'s `clientId`), if any: rules may match it. */
  readonly clientId?: string;
  /** The policy the code declares for this resource (`@RateLimit()` options), if any. */
  readonly declared?: RateLimitPolicy;
}

/**
 * The policy-resolution seam. Resolution runs on every request, so it must be a synchronous
 * in-memory lookup: implementations keep an immutable snapshot and swap it whole when rules change.
 * `undefined` means "not limited".
 *
 * The default resolver (`DefaultPolicyResolver`) answers the declared policy, else the module's
 * default. The rules module replaces it with one that consults admin rules first.
 *
 * @publicApi
 */
export interface PolicyResolver {
  /** The policy to enforce for `query`, or undefined to leave the request unlimited. Synchronous, from memory. */
  resolve(query: PolicyQuery): RateLimitPolicy | undefined;
}
export const PolicyResolver = Symbol('PolicyResolver');
