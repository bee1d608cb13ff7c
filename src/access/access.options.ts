/** Options of `AccessModule.forRoot`, from the service configuration. */
export interface AccessModuleOptions {
  /** Status of a blocked caller's refusal: 429 (default) or 403 (BLOCK_RESPONSE_STATUS). */
  readonly blockedStatus?: 403 | 429;
  /** Invalid API keys one address may present per window before it is blocked (API_KEY_FAILURE_LIMIT, 10). */
  readonly apiKeyFailureLimit?: number;
  /** That window (API_KEY_FAILURE_WINDOW_MS, 60 s). */
  readonly apiKeyFailureWindowMs?: number;
  /** How long such an address stays blocked (API_KEY_BLOCK_MS, 15 min). */
  readonly apiKeyBlockMs?: number;
  /**
   * Address blocks wider than these prefixes (BLOCK_MIN_IPV4_PREFIX, 8; BLOCK_MIN_IPV6_PREFIX, 32)
   * are written only with `force: true`: one such block refuses a large part of the internet.
   */
  readonly blockMinPrefix?: { readonly ipv4: number; readonly ipv6: number };
  /** IPv6 addresses are blocked by this prefix length, as the limiter groups them (64). */
  readonly ipv6Subnet?: number;
}

export const ACCESS_OPTIONS = Symbol('AccessModuleOptions');
export const DEFAULT_API_KEY_FAILURE_LIMIT = 10;
export const DEFAULT_API_KEY_FAILURE_WINDOW_MS = 60_000;
export const DEFAULT_API_KEY_BLOCK_MS = 15 * 60_000;
export const DEFAULT_BLOCK_MIN_PREFIX = Object.freeze({ ipv4: 8, ipv6: 32 });
