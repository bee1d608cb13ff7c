/** One host of a sentinel or cluster list. */
export interface RedisHost {
  readonly host: string;
  readonly port: number;
}

interface Credentials {
  readonly username?: string;
  readonly password?: string;
}

/**
 * Where Redis is, as REDIS_URL describes it:
 * - `redis://[user:pass@]host[:port][/db]` and `rediss://...` (TLS): one server;
 * - `redis-sentinel://[user:pass@]h:p,h:p/master`: sentinels and the master's name (the credentials
 *   are the master's);
 * - `redis-cluster://[user:pass@]h:p,h:p`: cluster seed nodes.
 *
 * The limiter library connects from the same URL; this parse validates it at startup (so a bad
 * value names REDIS_URL) and describes it in logs without the password.
 */
export type RedisConnection =
  | { readonly kind: 'standalone'; readonly url: string }
  | ({ readonly kind: 'sentinel'; readonly sentinels: readonly RedisHost[]; readonly masterName: string } & Credentials)
  | ({ readonly kind: 'cluster'; readonly nodes: readonly RedisHost[] } & Credentials);

/** Thrown for a REDIS_URL that cannot be used; the message is the reason (it never repeats the URL). */
export class InvalidRedisUrlError extends Error {}

/** Parses REDIS_URL; throws `InvalidRedisUrlError` with the reason. */
export function parseRedisUrl(value: string): RedisConnection {
  const scheme = /^([a-z-]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'redis':
    case 'rediss':
      return parseStandalone(value);
    case 'redis-sentinel':
      return parseSentinel(value.slice('redis-sentinel://'.length));
    case 'redis-cluster':
      return parseCluster(value.slice('redis-cluster://'.length));
    default:
      throw new InvalidRedisUrlError('must start with redis://, rediss://, redis-sentinel:// or redis-cluster://');
  }
}

function parseStandalone(value: string): RedisConnection {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidRedisUrlError('is not a valid URL');
  }
  if (url.hostname === '') throw new InvalidRedisUrlError('has no host');
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new InvalidRedisUrlError('has a database that is not a number (0-99)');
  return { kind: 'standalone', url: value };
}

function parseSentinel(rest: string): RedisConnection {
  const { credentials, hostPart, path } = splitAuthority(rest);
  const masterName = path.replace(/\/+$/, '');
  if (masterName === '')
    throw new InvalidRedisUrlError('needs the master name: redis-sentinel://host:port,host:port/master');
  if (masterName.includes('/')) throw new InvalidRedisUrlError('has a path other than /master');
  return {
    kind: 'sentinel',
    sentinels: parseHosts(hostPart),
    masterName: decodeURIComponent(masterName),
    ...credentials,
  };
}

function parseCluster(rest: string): RedisConnection {
  const { credentials, hostPart, path } = splitAuthority(rest);
  if (path !== '') throw new InvalidRedisUrlError('must not have a path (a cluster has only database 0)');
  return { kind: 'cluster', nodes: parseHosts(hostPart), ...credentials };
}

function splitAuthority(rest: string): { credentials: Credentials; hostPart: string; path: string } {
  const query = rest.indexOf('?');
  if (query >= 0) throw new InvalidRedisUrlError('must not have query parameters');
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const afterAuth = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = afterAuth.indexOf('/');
  const hostPart = slash >= 0 ? afterAuth.slice(0, slash) : afterAuth;
  const path = slash >= 0 ? afterAuth.slice(slash + 1) : '';
  let credentials: Credentials = {};
  if (auth !== '') {
    const colon = auth.indexOf(':');
    const username = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : auth);
    const password = colon >= 0 ? decodeURIComponent(auth.slice(colon + 1)) : undefined;
    credentials = { ...(username !== '' ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  }
  return { credentials, hostPart, path };
}

function parseHosts(list: string): RedisHost[] {
  if (list === '') throw new InvalidRedisUrlError('has no hosts');
  return list.split(',').map((entry) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(entry.trim());
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      throw new InvalidRedisUrlError(`has an invalid host "${entry}" (expected host:port)`);
    }
    return { host: match[1] ?? match[2]!, port };
  });
}

/** The URL without its password, for log lines and error messages. */
export function describeRedis(connection: RedisConnection): string {
  switch (connection.kind) {
    case 'standalone': {
      const url = new URL(connection.url);
      if (url.password !== '') url.password = '***';
      return url.toString();
    }
    case 'sentinel':
      return `sentinel ${connection.sentinels.map(hostString).join(',')} master ${connection.masterName}`;
    case 'cluster':
      return `cluster ${connection.nodes.map(hostString).join(',')}`;
  }
}

function hostString({ host, port }: RedisHost): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
