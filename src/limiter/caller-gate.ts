/**
 * What is known about a caller before its limits are counted: its address, the API key it
 * presented, its client id (`/v1/check`), and the resource.
 *
 * @publicApi
 */
export interface CallerQuery {
  /** The client's address as the HTTP adapter computed it (trusted proxies applied), if known. */
  readonly ip?: string;
  /** The presented API key (the `X-API-Key` header, or `/v1/check`'s `apiKey`), if any. */
  readonly apiKey?: string;
  /** The caller's client id (`/v1/check`'s `clientId`), if any. */
  readonly clientId?: string;
  /** The resource: a route's name or `/v1/check`'s `resource`. */
  readonly resource: string;
  /**
   * The service that asked on the client's behalf, when it authenticated (`/v1/check` with
   * CHECK_TOKENS): its invalid keys are counted against it as well as against the address.
   */
  readonly caller?: string;
}

/** Why a caller was refused before any counting. */
export type CallerRefusalReason = 'blocked' | 'invalid_api_key';

/**
 * What the gate says about a caller.
 *
 * @publicApi
 */
export type CallerVerdict =
  /** Count it as usual; with a valid API key, the key's tier picks the rules. */
  | { readonly kind: 'limit'; readonly tier?: string }
  /** Never limited (an allow list). */
  | { readonly kind: 'exempt' }
  /** Refused outright: blocked (429, or 403 where so configured) or an invalid API key (401). */
  | {
      readonly kind: 'refused';
      readonly status: 401 | 403 | 429;
      readonly reason: CallerRefusalReason;
      /** Safe to show the caller. */
      readonly message: string;
      /** For blocks: when to come back. */
      readonly retryAfterMs?: number;
    };

/**
 * An optional seam of the limiter: decides about a caller before its policy is resolved (blocks,
 * allow lists, API keys and their tiers). Runs on every limited request, so it must answer
 * synchronously from memory. Without one, every caller is limited as usual.
 *
 * The service supplies one built on its admin-managed blocks, allow list and API keys.
 *
 * @publicApi
 */
export interface CallerGate {
  /** The verdict on one caller, synchronously from memory. */
  check(query: CallerQuery): CallerVerdict;
}
export const CallerGate = Symbol('CallerGate');

/**
 * The verdict of a gate that knows nothing: limit as usual.
 *
 * @publicApi
 */
export const LIMIT_AS_USUAL: CallerVerdict = Object.freeze({ kind: 'limit' });
