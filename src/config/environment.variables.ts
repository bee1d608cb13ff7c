import { Expose, Transform } from 'class-transformer';
import { IsIn, IsInt, Matches, Max, Min, ValidateBy } from 'class-validator';
import { parseDatabaseUrl } from './database-url.js';
import { InvalidRedisUrlError, parseRedisUrl } from '../limiter/store/redis/redis-url.js';
import { LOG_LEVELS, type LogLevel } from './app-config.js';
import { parseCheckTokens } from './check-tokens.js';
import { parseTrustedProxies } from './trusted-proxies.js';

/** Reads a decimal integer; anything else (`"1.5"`, `"1e3"`, `"abc"`) becomes NaN and fails `IsInt`. */
function toInteger({ value }: { value: unknown }): unknown {
  if (value === undefined || typeof value === 'number') return value;
  return typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

function IntegerVariable(min: number, max: number): PropertyDecorator {
  const message = `must be an integer from ${min} to ${max}`;
  return (target, key) => {
    Expose()(target, key);
    Transform(toInteger)(target, key);
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
  };
}

/** Validates with a parser and reports the parser's own reason. */
function ParsedBy(parse: (value: string) => unknown): PropertyDecorator {
  const reasonOf = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return 'must be a string';
    try {
      parse(value);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  return (target, key) => {
    Expose()(target, key);
    ValidateBy({
      name: `parsedBy${parse.name}`,
      validator: {
        validate: (value) => reasonOf(value) === undefined,
        defaultMessage: (args) => reasonOf(args?.value) ?? 'is invalid',
      },
    })(target, key);
  };
}

/**
 * The limiter's own parser, so the service accepts exactly the URLs the limiter can connect with.
 * Only the reason is reported: the message names REDIS_URL, never its value (it may hold a password).
 */
function parseRedisUrlVariable(value: string): void {
  try {
    parseRedisUrl(value);
  } catch (error) {
    throw error instanceof InvalidRedisUrlError ? new Error(error.reason) : error;
  }
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Sent as `Authorization: Bearer <token>`: printable ASCII without spaces, long enough not to be guessed. */
const ADMIN_TOKEN = /^[\x21-\x7e]{16,1024}$/;
const ADMIN_TOKEN_MESSAGE = 'must be 16 to 1024 printable ASCII characters without spaces';
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|[0-9a-fA-F:.]{2,45})$/;

/**
 * The environment variables the service reads, validated. Property names are the variables' names,
 * so every validation message names the variable. Initial values are the defaults.
 * Unset and empty variables both mean "use the default".
 */
export class EnvironmentVariables {
  @IntegerVariable(0, 65535)
  PORT = 3000;

  /** Unset: 127.0.0.1 with the embedded database (the quick start), 0.0.0.0 with DATABASE_URL. */
  @Expose()
  @Matches(HOST, { message: 'must be an IP address or a host name' })
  HOST?: string;

  @ParsedBy(parseRedisUrlVariable)
  REDIS_URL?: string;

  /** Unset: no Envoy rate limit service. Bound on HOST, as the HTTP server. */
  @IntegerVariable(0, 65535)
  ENVOY_RLS_PORT?: number;

  @Expose()
  @IsIn(['open', 'closed'], { message: 'must be "open" or "closed"' })
  RATE_LIMIT_FAIL_MODE: 'open' | 'closed' = 'open';

  @IntegerVariable(1, 1_000_000_000)
  DEFAULT_LIMIT = 100;

  @IntegerVariable(1, 31 * 24 * 3_600_000)
  DEFAULT_WINDOW_MS = 60_000;

  @IntegerVariable(1, 10_000)
  RATE_LIMIT_TIMEOUT_MS = 50;

  /**
   * On by default: a fail-open decision without it admits everything, and a burst that outruns the
   * store timeout (or opens the breaker) would then let through many times the limit. The node
   * registry replaces this count with the live nodes at every heartbeat.
   */
  @IntegerVariable(0, 10_000)
  RATE_LIMIT_INSURANCE_NODES = 1;

  /**
   * The rate-limit headers (`X-RateLimit-*`, IETF `RateLimit` and `RateLimit-Policy`) on every
   * answer that carries a decision: guarded routes, `/v1/check`, nginx's auth-request, Envoy's
   * `response_headers_to_add`. `false` leaves them all out (Retry-After on a refusal stays).
   */
  @Expose()
  @IsIn(['true', 'false'], { message: 'must be "true" or "false"' })
  RATE_LIMIT_HEADERS: 'true' | 'false' = 'true';

  @Expose()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'must be 1 to 32 characters of [A-Za-z0-9_-]' })
  RATE_LIMIT_KEY_PREFIX = 'fg';

  @IntegerVariable(1, 128)
  IPV6_SUBNET = 64;

  @ParsedBy(parseTrustedProxies)
  TRUSTED_PROXIES?: string;

  @ParsedBy(parseCheckTokens)
  CHECK_TOKENS?: string;

  @Expose()
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Expose()
  @Matches(SAFE_ID, { message: 'must be 1 to 128 characters of [A-Za-z0-9._:-]' })
  NODE_ID?: string;

  @IntegerVariable(64, 64 * 1024 * 1024)
  BODY_LIMIT_BYTES = 65_536;

  @IntegerVariable(0, 600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  @IntegerVariable(0, 60_000)
  SHUTDOWN_DRAIN_MS = 500;

  @IntegerVariable(1_000, 600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  @IntegerVariable(1_000, 600_000)
  CONNECTION_TIMEOUT_MS = 10_000;

  @ParsedBy(parseDatabaseUrl)
  DATABASE_URL?: string;

  /**
   * How long one database call (a query, or getting a connection) may take before the database
   * counts as unavailable (admin calls answer 503). Without it, a Postgres that stops answering
   * without closing its sockets (a partition, a hung server) holds every admin call forever.
   */
  @IntegerVariable(100, 600_000)
  DATABASE_TIMEOUT_MS = 5_000;

  @Expose()
  DATA_DIR = './.data';

  @Expose()
  @IsIn(['true', 'false'], { message: 'must be "true" or "false"' })
  MIGRATE_ON_START: 'true' | 'false' = 'true';

  @Expose()
  @Matches(ADMIN_TOKEN, { message: ADMIN_TOKEN_MESSAGE })
  ADMIN_TOKEN?: string;

  @Expose()
  @Matches(ADMIN_TOKEN, { message: ADMIN_TOKEN_MESSAGE })
  ADMIN_READONLY_TOKEN?: string;

  /** Failed admin authentications one address may make per window before it is locked out. */
  @IntegerVariable(1, 1_000_000)
  ADMIN_AUTH_FAILURE_LIMIT = 10;

  @IntegerVariable(1_000, 24 * 3_600_000)
  ADMIN_AUTH_FAILURE_WINDOW_MS = 60_000;

  @IntegerVariable(100, 3_600_000)
  RULES_REFRESH_INTERVAL_MS = 5_000;

  @IntegerVariable(1_000, 24 * 3_600_000)
  RULES_STALE_AFTER_MS = 15_000;

  @Expose()
  @IsIn(['429', '403'], { message: 'must be 429 or 403' })
  BLOCK_RESPONSE_STATUS: '429' | '403' = '429';

  @IntegerVariable(1, 1_000_000)
  API_KEY_FAILURE_LIMIT = 10;

  @IntegerVariable(1_000, 24 * 3_600_000)
  API_KEY_FAILURE_WINDOW_MS = 60_000;

  @IntegerVariable(1_000, 365 * 24 * 3_600_000)
  API_KEY_BLOCK_MS = 15 * 60_000;

  /** An IPv4 block wider than this prefix (e.g. 0.0.0.0/0) needs `force: true`. */
  @IntegerVariable(0, 32)
  BLOCK_MIN_IPV4_PREFIX = 8;

  /** An IPv6 block wider than this prefix (e.g. ::/0) needs `force: true`. */
  @IntegerVariable(0, 128)
  BLOCK_MIN_IPV6_PREFIX = 32;

  @Expose()
  @IsIn(['off', 'auto'], { message: 'must be "off" or "auto"' })
  LOAD_SHEDDING: 'off' | 'auto' = 'off';

  @IntegerVariable(1, 60_000)
  LOAD_SHEDDING_EVENT_LOOP_P99_MS = 100;

  @IntegerVariable(1, 60_000)
  LOAD_SHEDDING_STORE_LATENCY_MS = 20;

  @IntegerVariable(100, 3_600_000)
  LOAD_SHEDDING_INTERVAL_MS = 5_000;

  @IntegerVariable(1, 1_000)
  LOAD_SHEDDING_ENTER_AFTER = 3;

  @IntegerVariable(1, 1_000)
  LOAD_SHEDDING_LEAVE_AFTER = 6;
}
