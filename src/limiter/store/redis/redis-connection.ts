import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** Per-command timeout in ms: a rate-limit decision must not wait on a slow Redis. */
  readonly commandTimeoutMs: number;
}

/** Reconnect quickly: Redis coming back should be noticed well under a second later. */
const RECONNECT_CAP_MS = 200;
const CONNECT_TIMEOUT_MS = 1_000;

const reconnectDelay = (times: number): number => Math.min(times * 50, RECONNECT_CAP_MS);

/**
 * Creates the ioredis client the limiter uses, tuned to fail fast: a request never waits for a
 * reconnect (no offline queue, no retries, a per-command timeout), so a Redis outage becomes an
 * immediate store failure handled by the fail mode, while reconnection goes on in the background.
 *
 * `source` is an ioredis options object or a URL:
 * - `redis://[[user]:password@]host[:port][/db]`: one server.
 * - `rediss://...`: the same over TLS.
 * - `redis-sentinel://[[user]:password@]host:port[,host:port...]/masterName`: the master named
 *   `masterName`, found through these sentinels (the credentials are the master's).
 * - `redis-cluster://[[user]:password@]host:port[,host:port...]`: a Redis Cluster reached through
 *   these seed nodes; reads and writes go to masters.
 *
 * Settings forced on every client: auto-pipelining, `enableOfflineQueue: false`,
 * `maxRetriesPerRequest: 0`, `commandTimeout`; defaults you may override with an options object:
 * `connectTimeout` 1 s and a reconnect backoff capped at 200 ms.
 *
 * @example
 * const client = createRedisClient('redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster', { commandTimeoutMs: 50 });
 * await waitUntilReady(client, 5_000);
 */
export function createRedisClient(source: string | RedisOptions, options: RedisConnectionOptions): Redis | Cluster {
  const failFast: RedisOptions = {
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
  };
  const defaults: RedisOptions = { connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: reconnectDelay };

  if (typeof source !== 'string') return new Redis({ ...defaults, ...source, ...failFast });

  const scheme = source.slice(0, source.indexOf('://'));
  switch (scheme) {
    case 'redis':
    case 'rediss':
      return new Redis(source, { ...defaults, ...failFast });
    case 'redis-sentinel': {
      const { auth, hosts, path } = splitMultiHostUrl(source);
      if (!path) throw new Error(`${redact(source)}: a sentinel URL needs the master's name as its path`);
      return new Redis({ ...defaults, ...auth, ...failFast, sentinels: hosts, name: path });
    }
    case 'redis-cluster': {
      const { auth, hosts } = splitMultiHostUrl(source);
      const clusterOptions: ClusterOptions = {
        enableAutoPipelining: true,
        enableOfflineQueue: false,
        scaleReads: 'master',
        clusterRetryStrategy: reconnectDelay,
        // Lets a node that restarts in place be reconnected to, not only found again via MOVED.
        clusterNodeRetryStrategy: reconnectDelay,
        redisOptions: { connectTimeout: CONNECT_TIMEOUT_MS, ...auth, ...failFast },
      };
      return new Cluster(hosts, clusterOptions);
    }
    default:
      throw new Error(
        `${redact(source)}: unsupported Redis URL scheme (use redis://, rediss://, redis-sentinel:// or redis-cluster://)`,
      );
  }
}

/**
 * Resolves once `client` is ready to take commands; rejects after `timeoutMs` with the last
 * connection error. Needed at startup: with no offline queue, commands sent before then fail.
 */
export function waitUntilReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    const onError = (error: Error) => {
      lastError = error;
    };
    const onEnd = () => finish(new Error('Redis connection ended before it became ready'));
    const onReady = () => finish();
    const timer = setTimeout(() => {
      const cause = lastError ? `: ${lastError.message}` : '';
      finish(new Error(`Redis was not ready within ${timeoutMs} ms (status ${client.status})${cause}`));
    }, timeoutMs);
    function finish(error?: Error) {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
      if (error) reject(error);
      else resolve();
    }
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('end', onEnd);
    // A lazyConnect client waits for a first command or an explicit connect().
    if (client.status === 'wait') client.connect().catch(onError);
  });
}

interface MultiHostUrl {
  auth: { username?: string; password?: string };
  hosts: { host: string; port: number }[];
  path: string;
}

/** `scheme://[[user]:password@]host:port[,host:port...][/path]`: WHATWG URLs take one host only. */
function splitMultiHostUrl(url: string): MultiHostUrl {
  let rest = url.slice(url.indexOf('://') + 3);
  const auth: MultiHostUrl['auth'] = {};
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const credentials = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = credentials.indexOf(':');
    const username = decodeURIComponent(colon === -1 ? '' : credentials.slice(0, colon));
    const password = decodeURIComponent(colon === -1 ? credentials : credentials.slice(colon + 1));
    if (username) auth.username = username;
    if (password) auth.password = password;
  }
  const slash = rest.indexOf('/');
  const hostList = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : decodeURIComponent(rest.slice(slash + 1).replace(/\/+$/, ''));
  const hosts = hostList.split(',').map((entry) => {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry.trim());
    if (!match) throw new Error(`${redact(url)}: expected host:port, got "${entry}"`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  });
  return { auth, hosts, path };
}

/** The URL without its credentials, fit for an error message. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
