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
  /** IPv6 addresses are blocked by this prefix length, as the limiter groups them (64). */
  readonly ipv6Subnet?: number;
}

export const ACCESS_OPTIONS = Symbol('AccessModuleOptions');
export const DEFAULT_API_KEY_FAILURE_LIMIT = 10;
export const DEFAULT_API_KEY_FAILURE_WINDOW_MS = 60_000;
export const DEFAULT_API_KEY_BLOCK_MS = 15 * 60_000;
