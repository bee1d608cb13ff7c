import type { CheckCallerToken } from '../check/check.options.js';
import type { FailMode } from '../limiter/decision.js';

/** pino's levels, as LOG_LEVEL accepts them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The service's configuration: read once from the environment at startup by `loadConfig()`,
 * validated, frozen, and provided through DI under the `AppConfig` token. Nothing else reads
 * `process.env`.
 *
 * @example
 * constructor(@Inject(AppConfig) private readonly config: AppConfig) {}
 */
export interface AppConfig {
  readonly port: number;
  /** Listen address (HOST): 127.0.0.1 by default with the embedded database, else 0.0.0.0. */
  readonly host: string;
  /** REDIS_URL, validated by the limiter's `parseRedisUrl`. Unset: the in-process memory store (one node). */
  readonly redisUrl: string | undefined;
  /**
   * ENVOY_RLS_PORT: the port of the Envoy rate limit service (gRPC, `src/envoy`), bound on `host`;
   * 0 picks a free one. Undefined: no such server.
   */
  readonly envoyRlsPort: number | undefined;
  readonly failMode: FailMode;
  /** The rule applied when no other matches. */
  readonly defaultLimit: number;
  readonly defaultWindowMs: number;
  /** Per-call store timeout. */
  readonly timeoutMs: number;
  /** Fail-open insurance: each limit divided by this many nodes while the store fails; 0 = off. */
  readonly insuranceNodes: number;
  /** RATE_LIMIT_HEADERS: the rate-limit headers on every answer carrying a decision. */
  readonly rateLimitHeaders: boolean;
  readonly ipv6Subnet: number;
  readonly keyPrefix: string;
  /** Addresses/CIDRs whose X-Forwarded-For is trusted; empty: none (Fastify's `trustProxy: false`). */
  readonly trustedProxies: readonly string[];
  /**
   * The services that may call `/v1/check`, by name and token (CHECK_TOKENS). Empty: any caller,
   * anonymously, and a body's `ip` is refused.
   */
  readonly checkTokens: readonly CheckCallerToken[];
  readonly logLevel: LogLevel;
  readonly nodeId: string;
  readonly bodyLimitBytes: number;
  /** Longest a request may take to arrive whole, headers and body (REQUEST_TIMEOUT_MS): a 408 after. */
  readonly requestTimeoutMs: number;
  /** Longest a connection may stay silent, mid-request or idle (CONNECTION_TIMEOUT_MS): closed after. */
  readonly connectionTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** How long a stopping node keeps answering its open connections (each with `Connection: close`) before it closes. */
  readonly shutdownDrainMs: number;
  /**
   * DATABASE_URL (validated as a postgres:// URL; never logged, it may hold a password). Unset in
   * the environment: `main` starts the embedded Postgres under `dataDir` and passes the app a copy
   * of this config with its URL, so the app itself always has one.
   */
  readonly databaseUrl?: string;
  /** How long a database query or connection attempt may take (DATABASE_TIMEOUT_MS). */
  readonly databaseTimeoutMs: number;
  /** Where the embedded Postgres keeps its files (DATA_DIR). */
  readonly dataDir: string;
  /** Apply pending migrations before the app starts (MIGRATE_ON_START). */
  readonly migrateOnStart: boolean;
  /** Bearer token for reads and writes under /v1/admin; generated for the run on the embedded first run. */
  readonly adminToken?: string;
  /** Bearer token for reads under /v1/admin only. */
  readonly adminReadonlyToken?: string;
  /** How often each node checks the rules version in the database (RULES_REFRESH_INTERVAL_MS). */
  readonly rulesRefreshIntervalMs: number;
  /**
   * How long a node may be behind the stored rules version (its reloads failing) before `/health`
   * reports its rules stale (RULES_STALE_AFTER_MS).
   */
  readonly rulesStaleAfterMs: number;
  /** Status of a blocked caller's refusal (BLOCK_RESPONSE_STATUS). */
  readonly blockResponseStatus: 403 | 429;
  /** Invalid API keys per address and window before the address is blocked (API_KEY_FAILURE_*). */
  readonly apiKeyFailureLimit: number;
  readonly apiKeyFailureWindowMs: number;
  /** How long such a block lasts (API_KEY_BLOCK_MS). */
  readonly apiKeyBlockMs: number;
  /** The widest address blocks written without `force: true` (BLOCK_MIN_IPV4_PREFIX, BLOCK_MIN_IPV6_PREFIX). */
  readonly blockMinPrefix: { readonly ipv4: number; readonly ipv6: number };
  /** Failed admin authentications per address and window before it is locked out (ADMIN_AUTH_FAILURE_*). */
  readonly adminAuthFailureLimit: number;
  readonly adminAuthFailureWindowMs: number;
  /** Automatic NORMAL/DEGRADED switching from the load signal (LOAD_SHEDDING_*). */
  readonly loadShedding: {
    readonly mode: 'off' | 'auto';
    readonly eventLoopP99Ms: number;
    readonly storeLatencyMs: number;
    readonly intervalMs: number;
    readonly enterAfter: number;
    readonly leaveAfter: number;
  };
}
export const AppConfig = Symbol('AppConfig');
