import { ConfigError, loadConfig } from './load-config.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const TOKEN = 'admin-token-0123456789';

describe('loadConfig', () => {
  it('applies the defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      // The embedded database: loopback only.
      host: '127.0.0.1',
      redisUrl: undefined,
      envoyRlsPort: undefined,
      failMode: 'open',
      defaultLimit: 100,
      defaultWindowMs: 60_000,
      timeoutMs: 50,
      insuranceNodes: 1,
      rateLimitHeaders: true,
      ipv6Subnet: 64,
      keyPrefix: 'fg',
      trustedProxies: [],
      logLevel: 'info',
      bodyLimitBytes: 65_536,
      shutdownTimeoutMs: 10_000,
      databaseUrl: undefined,
      databaseTimeoutMs: 5_000,
      dataDir: './.data',
      migrateOnStart: true,
      adminToken: undefined,
      adminReadonlyToken: undefined,
      rulesRefreshIntervalMs: 5_000,
      rulesStaleAfterMs: 15_000,
      requestTimeoutMs: 30_000,
      connectionTimeoutMs: 10_000,
      blockMinPrefix: { ipv4: 8, ipv6: 32 },
      adminAuthFailureLimit: 10,
      adminAuthFailureWindowMs: 60_000,
    });
    expect(config.nodeId).toMatch(/^[A-Za-z0-9._-]+:3000$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('listens on loopback with the embedded database, everywhere with a database of its own, as HOST says when set', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'postgresql://app@db/floodgate', ADMIN_TOKEN: TOKEN }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ DATABASE_URL: 'postgresql://app@db/floodgate', ADMIN_TOKEN: TOKEN, HOST: '::1' }).host).toBe(
      '::1',
    );
  });

  it('lets ENVOY_RLS_PORT and PORT both be 0: each server picks a free port of its own', () => {
    expect(loadConfig({ PORT: '0', ENVOY_RLS_PORT: '0' })).toMatchObject({ port: 0, envoyRlsPort: 0 });
    expect(loadConfig({ ENVOY_RLS_PORT: '' }).envoyRlsPort).toBeUndefined();
  });

  it('treats empty variables as unset and ignores unrelated ones', () => {
    const config = loadConfig({ PORT: '', REDIS_URL: '  ', UNRELATED: 'x' });
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      REDIS_URL: 'redis-cluster://10.0.0.1:7000,10.0.0.2:7001',
      ENVOY_RLS_PORT: '8081',
      RATE_LIMIT_FAIL_MODE: 'closed',
      DEFAULT_LIMIT: '5',
      DEFAULT_WINDOW_MS: '1000',
      RATE_LIMIT_TIMEOUT_MS: '25',
      RATE_LIMIT_INSURANCE_NODES: '3',
      RATE_LIMIT_HEADERS: 'false',
      RATE_LIMIT_KEY_PREFIX: 'test_1',
      IPV6_SUBNET: '56',
      TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.1,::1,fd00::/8,loopback',
      LOG_LEVEL: 'warn',
      NODE_ID: 'node-a',
      BODY_LIMIT_BYTES: '1024',
      SHUTDOWN_TIMEOUT_MS: '0',
      SHUTDOWN_DRAIN_MS: '250',
      DATABASE_URL: 'postgresql://app:s3cret@db.internal:5433/floodgate?sslmode=require',
      DATABASE_TIMEOUT_MS: '2500',
      DATA_DIR: '/var/lib/floodgate',
      MIGRATE_ON_START: 'false',
      ADMIN_TOKEN: 'admin-token-0123456789',
      ADMIN_READONLY_TOKEN: 'reader-token-0123456789',
      RULES_REFRESH_INTERVAL_MS: '250',
      RULES_STALE_AFTER_MS: '60000',
      REQUEST_TIMEOUT_MS: '5000',
      CHECK_TOKENS: 'orders=orders-token-0123456789, search=search-token-0123456789',
      CONNECTION_TIMEOUT_MS: '2000',
      BLOCK_RESPONSE_STATUS: '403',
      API_KEY_FAILURE_LIMIT: '5',
      API_KEY_FAILURE_WINDOW_MS: '30000',
      API_KEY_BLOCK_MS: '120000',
      BLOCK_MIN_IPV4_PREFIX: '16',
      BLOCK_MIN_IPV6_PREFIX: '48',
      ADMIN_AUTH_FAILURE_LIMIT: '3',
      ADMIN_AUTH_FAILURE_WINDOW_MS: '300000',
      LOAD_SHEDDING: 'auto',
      LOAD_SHEDDING_EVENT_LOOP_P99_MS: '150',
      LOAD_SHEDDING_STORE_LATENCY_MS: '30',
      LOAD_SHEDDING_INTERVAL_MS: '2000',
      LOAD_SHEDDING_ENTER_AFTER: '2',
      LOAD_SHEDDING_LEAVE_AFTER: '10',
    });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      redisUrl: 'redis-cluster://10.0.0.1:7000,10.0.0.2:7001',
      envoyRlsPort: 8081,
      failMode: 'closed',
      defaultLimit: 5,
      defaultWindowMs: 1000,
      timeoutMs: 25,
      insuranceNodes: 3,
      rateLimitHeaders: false,
      keyPrefix: 'test_1',
      ipv6Subnet: 56,
      trustedProxies: ['10.0.0.0/8', '192.168.1.1', '::1', 'fd00::/8', 'loopback'],
      logLevel: 'warn',
      nodeId: 'node-a',
      bodyLimitBytes: 1024,
      shutdownTimeoutMs: 0,
      shutdownDrainMs: 250,
      databaseUrl: 'postgresql://app:s3cret@db.internal:5433/floodgate?sslmode=require',
      databaseTimeoutMs: 2_500,
      dataDir: '/var/lib/floodgate',
      migrateOnStart: false,
      adminToken: 'admin-token-0123456789',
      adminReadonlyToken: 'reader-token-0123456789',
      rulesRefreshIntervalMs: 250,
      rulesStaleAfterMs: 60_000,
      requestTimeoutMs: 5_000,
      checkTokens: [
        { name: 'orders', token: 'orders-token-0123456789' },
        { name: 'search', token: 'search-token-0123456789' },
      ],
      connectionTimeoutMs: 2_000,
      blockResponseStatus: 403,
      apiKeyFailureLimit: 5,
      apiKeyFailureWindowMs: 30_000,
      apiKeyBlockMs: 120_000,
      blockMinPrefix: { ipv4: 16, ipv6: 48 },
      adminAuthFailureLimit: 3,
      adminAuthFailureWindowMs: 300_000,
      loadShedding: {
        mode: 'auto',
        eventLoopP99Ms: 150,
        storeLatencyMs: 30,
        intervalMs: 2_000,
        enterAfter: 2,
        leaveAfter: 10,
      },
    });
  });

  it('accepts postgres:// as well, and an explicit MIGRATE_ON_START=true', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://localhost/floodgate',
      ADMIN_TOKEN: 'a'.repeat(16),
      MIGRATE_ON_START: 'true',
    });
    expect(config).toMatchObject({ databaseUrl: 'postgres://localhost/floodgate', migrateOnStart: true });
  });

  it('lets the embedded default go without ADMIN_TOKEN (main generates one) and takes a read-only token alone', () => {
    expect(loadConfig({ ADMIN_READONLY_TOKEN: 'reader-token-0123456789' })).toMatchObject({
      databaseUrl: undefined,
      adminToken: undefined,
      adminReadonlyToken: 'reader-token-0123456789',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc" must be an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'PORT="70000" must be an integer from 0 to 65535'],
    [{ PORT: '-1' }, 'PORT="-1" must be an integer from 0 to 65535'],
    [{ PORT: '80.5' }, 'PORT="80.5" must be an integer from 0 to 65535'],
    [{ HOST: 'bad host!' }, 'HOST="bad host!" must be an IP address or a host name'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must start with redis://, rediss://, redis-sentinel:// or redis-cluster://'],
    [{ REDIS_URL: 'redis://:secret@' }, 'REDIS_URL has no host'],
    [{ REDIS_URL: 'redis://h/abc' }, 'REDIS_URL has a database that is not a number (0-99)'],
    [
      { REDIS_URL: 'redis-sentinel://h:26379/' },
      'REDIS_URL needs the master name: redis-sentinel://host:port,host:port/master',
    ],
    [{ REDIS_URL: 'redis-cluster://h:1,h:99999' }, 'REDIS_URL has an invalid host "h:99999" (expected host:port)'],
    [{ REDIS_URL: 'redis-cluster://' }, 'REDIS_URL has no hosts'],
    [{ RATE_LIMIT_FAIL_MODE: 'half' }, 'RATE_LIMIT_FAIL_MODE="half" must be "open" or "closed"'],
    [{ DEFAULT_LIMIT: '0' }, 'DEFAULT_LIMIT="0" must be an integer from 1 to 1000000000'],
    [{ DEFAULT_WINDOW_MS: '1e3' }, 'DEFAULT_WINDOW_MS="1e3" must be an integer from 1 to 2678400000'],
    [{ RATE_LIMIT_TIMEOUT_MS: '0' }, 'RATE_LIMIT_TIMEOUT_MS="0" must be an integer from 1 to 10000'],
    [{ RATE_LIMIT_INSURANCE_NODES: '-2' }, 'RATE_LIMIT_INSURANCE_NODES="-2" must be an integer from 0 to 10000'],
    [{ RATE_LIMIT_KEY_PREFIX: 'a:b' }, 'RATE_LIMIT_KEY_PREFIX="a:b" must be 1 to 32 characters of [A-Za-z0-9_-]'],
    [{ IPV6_SUBNET: '129' }, 'IPV6_SUBNET="129" must be an integer from 1 to 128'],
    [{ DATABASE_TIMEOUT_MS: '50' }, 'DATABASE_TIMEOUT_MS="50" must be an integer from 100 to 600000'],
    [
      { TRUSTED_PROXIES: '10.0.0.0/8,10.0.0.0/33' },
      'TRUSTED_PROXIES="10.0.0.0/8,10.0.0.0/33" "10.0.0.0/33" is not an IP address, a CIDR or loopback/linklocal/uniquelocal',
    ],
    [
      { TRUSTED_PROXIES: 'proxy.example' },
      'TRUSTED_PROXIES="proxy.example" "proxy.example" is not an IP address, a CIDR or loopback/linklocal/uniquelocal',
    ],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL="verbose" must be one of fatal, error, warn, info, debug, trace, silent'],
    [{ NODE_ID: 'a b' }, 'NODE_ID="a b" must be 1 to 128 characters of [A-Za-z0-9._:-]'],
    [{ BODY_LIMIT_BYTES: '10' }, 'BODY_LIMIT_BYTES="10" must be an integer from 64 to 67108864'],
    [{ SHUTDOWN_TIMEOUT_MS: 'soon' }, 'SHUTDOWN_TIMEOUT_MS="soon" must be an integer from 0 to 600000'],
    [
      { DATABASE_URL: 'mysql://u:pw@h/db', ADMIN_TOKEN: TOKEN },
      'DATABASE_URL must start with postgres:// or postgresql://',
    ],
    [
      { DATABASE_URL: 'not a url', ADMIN_TOKEN: TOKEN },
      'DATABASE_URL is not a URL (expected postgresql://user:password@host:port/database)',
    ],
    [{ DATABASE_URL: 'postgresql:///floodgate', ADMIN_TOKEN: TOKEN }, 'DATABASE_URL has no host'],
    [{ MIGRATE_ON_START: 'no' }, 'MIGRATE_ON_START="no" must be "true" or "false"'],
    [{ RATE_LIMIT_HEADERS: 'off' }, 'RATE_LIMIT_HEADERS="off" must be "true" or "false"'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN must be 16 to 1024 printable ASCII characters without spaces'],
    [
      { ADMIN_TOKEN: 'has a space in it, 1234' },
      'ADMIN_TOKEN must be 16 to 1024 printable ASCII characters without spaces',
    ],
    [
      { ADMIN_READONLY_TOKEN: 'x'.repeat(15) },
      'ADMIN_READONLY_TOKEN must be 16 to 1024 printable ASCII characters without spaces',
    ],
    [{ RULES_REFRESH_INTERVAL_MS: '99' }, 'RULES_REFRESH_INTERVAL_MS="99" must be an integer from 100 to 3600000'],
    [
      { CHECK_TOKENS: 'orders=short' },
      'CHECK_TOKENS entry 1 (orders): the token must be 16 to 1024 printable ASCII characters without spaces or commas',
    ],
    [
      { CHECK_TOKENS: 'a=orders-token-0123456789,a=other-token-0123456789' },
      'CHECK_TOKENS entry 2: the name "a" is given twice',
    ],
    [
      { CHECK_TOKENS: 'orders-token-0123456789' },
      'CHECK_TOKENS entry 1: the name must be 1 to 64 of [a-z0-9._-] before "=" (name=token)',
    ],
    [{ RULES_STALE_AFTER_MS: '999' }, 'RULES_STALE_AFTER_MS="999" must be an integer from 1000 to 86400000'],
    [
      { RULES_REFRESH_INTERVAL_MS: '3600001' },
      'RULES_REFRESH_INTERVAL_MS="3600001" must be an integer from 100 to 3600000',
    ],
    [
      { DATABASE_URL: 'postgresql://app@db/floodgate' },
      'ADMIN_TOKEN is required when DATABASE_URL is set (a token of at least 16 characters)',
    ],
    [{ ADMIN_TOKEN: TOKEN, ADMIN_READONLY_TOKEN: TOKEN }, 'ADMIN_READONLY_TOKEN must differ from ADMIN_TOKEN'],
    [{ BLOCK_RESPONSE_STATUS: '401' }, 'BLOCK_RESPONSE_STATUS="401" must be 429 or 403'],
    [{ API_KEY_FAILURE_LIMIT: '0' }, 'API_KEY_FAILURE_LIMIT="0" must be an integer from 1 to 1000000'],
    [{ API_KEY_BLOCK_MS: '999' }, 'API_KEY_BLOCK_MS="999" must be an integer from 1000 to 31536000000'],
    [{ BLOCK_MIN_IPV4_PREFIX: '33' }, 'BLOCK_MIN_IPV4_PREFIX="33" must be an integer from 0 to 32'],
    [{ BLOCK_MIN_IPV6_PREFIX: '129' }, 'BLOCK_MIN_IPV6_PREFIX="129" must be an integer from 0 to 128'],
    [{ ADMIN_AUTH_FAILURE_LIMIT: '0' }, 'ADMIN_AUTH_FAILURE_LIMIT="0" must be an integer from 1 to 1000000'],
    [
      { ADMIN_AUTH_FAILURE_WINDOW_MS: '999' },
      'ADMIN_AUTH_FAILURE_WINDOW_MS="999" must be an integer from 1000 to 86400000',
    ],
    [{ LOAD_SHEDDING: 'on' }, 'LOAD_SHEDDING="on" must be "off" or "auto"'],
    [{ ENVOY_RLS_PORT: 'grpc' }, 'ENVOY_RLS_PORT="grpc" must be an integer from 0 to 65535'],
    [{ ENVOY_RLS_PORT: '65536' }, 'ENVOY_RLS_PORT="65536" must be an integer from 0 to 65535'],
    [{ ENVOY_RLS_PORT: '3000' }, 'ENVOY_RLS_PORT must differ from PORT (both 3000)'],
    [{ PORT: '8081', ENVOY_RLS_PORT: '8081' }, 'ENVOY_RLS_PORT must differ from PORT (both 8081)'],
    [{ LOAD_SHEDDING_INTERVAL_MS: '50' }, 'LOAD_SHEDDING_INTERVAL_MS="50" must be an integer from 100 to 3600000'],
  ])('rejects %j', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('reports every bad variable at once, never repeating REDIS_URL (it may hold a password)', () => {
    const problems = problemsOf({ PORT: 'x', REDIS_URL: 'redis://:s3cret@host/xyz', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('s3cret');
    const error = (() => {
      try {
        return loadConfig({ PORT: 'x' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect((error as Error).message).toBe('Invalid configuration:\n  PORT="x" must be an integer from 0 to 65535');
  });

  it('never repeats DATABASE_URL or the admin tokens, whatever is wrong with them', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://app:pw-SECRET-1@db/floodgate',
      ADMIN_TOKEN: 'SECRET-2 short',
      ADMIN_READONLY_TOKEN: 'SECRET-3',
    });
    expect(problems).toHaveLength(3);
    const text = problems.join('\n');
    for (const secret of ['SECRET-1', 'SECRET-2', 'SECRET-3']) expect(text).not.toContain(secret);
    const missing = problemsOf({ DATABASE_URL: 'postgresql://app:pw-SECRET-4@db/floodgate' });
    expect(missing.join('\n')).not.toContain('SECRET-4');
  });
});
