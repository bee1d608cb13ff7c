import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { AppConfig } from './app-config.js';
import { EnvironmentVariables } from './environment.variables.js';
import { parseCheckTokens } from './check-tokens.js';
import { parseTrustedProxies } from './trusted-proxies.js';

/** Variables whose values are never repeated in messages (they may carry credentials). */
const SECRET_VARIABLES = new Set(['REDIS_URL', 'DATABASE_URL', 'ADMIN_TOKEN', 'ADMIN_READONLY_TOKEN', 'CHECK_TOKENS']);

/** Variables without a default (not keys of a fresh `EnvironmentVariables`). */
const OPTIONAL_VARIABLES = [
  'REDIS_URL',
  'ENVOY_RLS_PORT',
  'TRUSTED_PROXIES',
  'NODE_ID',
  'DATABASE_URL',
  'ADMIN_TOKEN',
  'ADMIN_READONLY_TOKEN',
] as const;

/** A configuration that cannot be used; `problems` has one line per bad variable, naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration from `env` (the process environment by default), once,
 * at startup. Throws `ConfigError` naming every bad variable and the reason.
 *
 * @example
 * const config = loadConfig({ PORT: '8080', REDIS_URL: 'redis://127.0.0.1:6379' });
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const names = new Set([...Object.keys(new EnvironmentVariables()), ...OPTIONAL_VARIABLES]);
  const present: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') present[name] = value.trim();
  }
  const vars = plainToInstance(EnvironmentVariables, present, {
    excludeExtraneousValues: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(vars, { skipMissingProperties: true });
  const problems = [...errors.map((error) => describe(error, present)), ...crossVariableProblems(vars, errors)];
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port: vars.PORT,
    // The embedded quick start serves its admin API and its generated token's power on loopback
    // only, unless told otherwise; a deployment with a database of its own listens everywhere.
    host: vars.HOST ?? (vars.DATABASE_URL === undefined ? '127.0.0.1' : '0.0.0.0'),
    redisUrl: vars.REDIS_URL,
    envoyRlsPort: vars.ENVOY_RLS_PORT,
    failMode: vars.RATE_LIMIT_FAIL_MODE,
    defaultLimit: vars.DEFAULT_LIMIT,
    defaultWindowMs: vars.DEFAULT_WINDOW_MS,
    timeoutMs: vars.RATE_LIMIT_TIMEOUT_MS,
    insuranceNodes: vars.RATE_LIMIT_INSURANCE_NODES,
    rateLimitHeaders: vars.RATE_LIMIT_HEADERS === 'true',
    ipv6Subnet: vars.IPV6_SUBNET,
    keyPrefix: vars.RATE_LIMIT_KEY_PREFIX,
    checkTokens: Object.freeze(vars.CHECK_TOKENS === undefined ? [] : parseCheckTokens(vars.CHECK_TOKENS)),
    trustedProxies: Object.freeze(vars.TRUSTED_PROXIES !== undefined ? parseTrustedProxies(vars.TRUSTED_PROXIES) : []),
    logLevel: vars.LOG_LEVEL,
    nodeId: vars.NODE_ID ?? defaultNodeId(vars.PORT),
    bodyLimitBytes: vars.BODY_LIMIT_BYTES,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: vars.CONNECTION_TIMEOUT_MS,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: vars.SHUTDOWN_DRAIN_MS,
    databaseUrl: vars.DATABASE_URL,
    databaseTimeoutMs: vars.DATABASE_TIMEOUT_MS,
    dataDir: vars.DATA_DIR,
    migrateOnStart: vars.MIGRATE_ON_START === 'true',
    adminToken: vars.ADMIN_TOKEN,
    adminReadonlyToken: vars.ADMIN_READONLY_TOKEN,
    rulesRefreshIntervalMs: vars.RULES_REFRESH_INTERVAL_MS,
    rulesStaleAfterMs: vars.RULES_STALE_AFTER_MS,
    blockResponseStatus: vars.BLOCK_RESPONSE_STATUS === '403' ? 403 : 429,
    apiKeyFailureLimit: vars.API_KEY_FAILURE_LIMIT,
    apiKeyFailureWindowMs: vars.API_KEY_FAILURE_WINDOW_MS,
    apiKeyBlockMs: vars.API_KEY_BLOCK_MS,
    blockMinPrefix: Object.freeze({ ipv4: vars.BLOCK_MIN_IPV4_PREFIX, ipv6: vars.BLOCK_MIN_IPV6_PREFIX }),
    adminAuthFailureLimit: vars.ADMIN_AUTH_FAILURE_LIMIT,
    adminAuthFailureWindowMs: vars.ADMIN_AUTH_FAILURE_WINDOW_MS,
    loadShedding: Object.freeze({
      mode: vars.LOAD_SHEDDING,
      eventLoopP99Ms: vars.LOAD_SHEDDING_EVENT_LOOP_P99_MS,
      storeLatencyMs: vars.LOAD_SHEDDING_STORE_LATENCY_MS,
      intervalMs: vars.LOAD_SHEDDING_INTERVAL_MS,
      enterAfter: vars.LOAD_SHEDDING_ENTER_AFTER,
      leaveAfter: vars.LOAD_SHEDDING_LEAVE_AFTER,
    }),
  });
}

/** Rules between variables, checked on the variables that are valid on their own. */
function crossVariableProblems(vars: EnvironmentVariables, errors: readonly ValidationError[]): string[] {
  const invalid = new Set(errors.map((error) => error.property));
  const problems: string[] = [];
  // A generated token is only safe where it is printed to the one operator who started the
  // process: the embedded first run. A shared database means a real deployment.
  if (vars.DATABASE_URL !== undefined && vars.ADMIN_TOKEN === undefined && !invalid.has('DATABASE_URL')) {
    problems.push('ADMIN_TOKEN is required when DATABASE_URL is set (a token of at least 16 characters)');
  }
  // Two servers cannot share a port; 0 asks each for a free one of its own.
  if (
    vars.ENVOY_RLS_PORT !== undefined &&
    vars.ENVOY_RLS_PORT !== 0 &&
    vars.ENVOY_RLS_PORT === vars.PORT &&
    !invalid.has('ENVOY_RLS_PORT') &&
    !invalid.has('PORT')
  ) {
    problems.push(`ENVOY_RLS_PORT must differ from PORT (both ${vars.PORT})`);
  }
  if (
    vars.ADMIN_READONLY_TOKEN !== undefined &&
    vars.ADMIN_READONLY_TOKEN === vars.ADMIN_TOKEN &&
    !invalid.has('ADMIN_TOKEN')
  ) {
    problems.push('ADMIN_READONLY_TOKEN must differ from ADMIN_TOKEN');
  }
  return problems;
}

/** `<host name>:<port>`, cut down to the characters and length a node id allows. */
function defaultNodeId(port: number): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 100) || 'node';
  return `${host}:${port}`;
}

function describe(error: ValidationError, present: Record<string, string>): string {
  const name = error.property;
  const reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  const shown = SECRET_VARIABLES.has(name) ? '' : `=${JSON.stringify(present[name])}`;
  return `${name}${shown} ${reason}`;
}
