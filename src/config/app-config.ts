import type { FailMode } from '../limiter/rate-limiter.js';

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
  readonly host: string;
  /** REDIS_URL, validated by the limiter's `parseRedisUrl`. Unset: the in-process memory store (one node). */
  readonly redisUrl: string | undefined;
  readonly failMode: FailMode;
  /** The rule applied when no other matches. */
  readonly defaultLimit: number;
  readonly defaultWindowMs: number;
  /** Per-call store timeout. */
  readonly timeoutMs: number;
  /** Fail-open insurance: each limit divided by this many nodes while the store fails; 0 = off. */
  readonly insuranceNodes: number;
  readonly ipv6Subnet: number;
  readonly keyPrefix: string;
  /** Addresses/CIDRs whose X-Forwarded-For is trusted; empty: none (Fastify's `trustProxy: false`). */
  readonly trustedProxies: readonly string[];
  readonly logLevel: LogLevel;
  readonly nodeId: string;
  readonly bodyLimitBytes: number;
  readonly shutdownTimeoutMs: number;
}
export const AppConfig = Symbol('AppConfig');
