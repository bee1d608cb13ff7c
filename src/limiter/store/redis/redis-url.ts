/** One Redis server, sentinel or cluster seed node. */
export interface RedisHost {
  /** Host name or address (IPv6 without brackets). */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
}

/** What AUTH is sent with; both absent when the URL has none. */
export interface RedisCredentials {
  /** The ACL user (Redis 6+); absent: `default`. */
  readonly username?: string;
  /** The password; never logged (`describeRedis` leaves it out). */
  readonly password?: string;
}

interface ConnectionBase {
  /** Standalone: the one server; sentinel: the sentinels; cluster: the seed nodes. */
  readonly hosts: readonly RedisHost[];
  /** For a sentinel URL, the master's (sentinels are asked without them). */
  readonly credentials: RedisCredentials;
}

/**
 * Where Redis is, as a Redis URL says it (see `parseRedisUrl`). `credentials` may hold a password:
 * log `describeRedis(connection)`, never the object itself.
 */
export type RedisConnection =
  | (ConnectionBase & { readonly kind: 'standalone'; readonly db: number; readonly tls: boolean })
  | (ConnectionBase & { readonly kind: 'sentinel'; readonly masterName: string })
  | (ConnectionBase & { readonly kind: 'cluster' });

/**
 * A Redis URL that cannot be used. `reason` says what is wrong and repeats nothing of the URL
 * but a bad host entry (for a caller that names the URL its own way, like an environment
 * variable); `message` also shows the URL, its credentials masked.
 */
export class InvalidRedisUrlError extends Error {
  constructor(
    url: string,
    /** What is wrong with the URL, without repeating it. */
    readonly reason: string,
  ) {
    super(`Redis URL "${redact(url)}" ${reason}`);
    this.name = 'InvalidRedisUrlError';
  }
}

const DEFAULT_PORT = 6379;
const SCHEMES = ['redis', 'rediss', 'redis-sentinel', 'redis-cluster'] as const;
/** A host name, or an IPv6 address in brackets, then a port (optional for a standalone server). */
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/;

/**
 * Parses the one Redis URL grammar the limiter connects with (and an app validates its
 * configuration with, so both read a URL the same way):
 * - `redis://[[user]:password@]host[:port][/db]`: one server (port 6379 and db 0 by default);
 * - `rediss://...`: the same over TLS;
 * - `redis-sentinel://[[user]:password@]host:port[,host:port...]/masterName`: the master named
 *   `masterName`, found through these sentinels (the credentials are the master's);
 * - `redis-cluster://[[user]:password@]host:port[,host:port...]`: a Redis Cluster reached through
 *   these seed nodes.
 * Credentials, database and master name are percent-decoded. Query parameters are refused: ioredis
 * would let them override the limiter's fail-fast settings.
 *
 * @throws InvalidRedisUrlError with the reason; the message never contains the password.
 * @example
 * parseRedisUrl('redis-sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/mymaster');
 * // { kind: 'sentinel', hosts: [{ host: '10.0.0.1', port: 26379 }, ...], masterName: 'mymaster', credentials: { password: 'pw' } }
 */
export function parseRedisUrl(url: string): RedisConnection {
  const separator = url.indexOf('://');
  const scheme = SCHEMES.find((known) => known === url.slice(0, separator).toLowerCase());
  if (separator === -1 || scheme === undefined) {
    throw new InvalidRedisUrlError(url, 'must start with redis://, rediss://, redis-sentinel:// or redis-cluster://');
  }
  const fail: Fail = (reason) => {
    throw new InvalidRedisUrlError(url, reason);
  };
  // The last "@" ends the credentials, so a password may hold "@", "/" or "?" unencoded.
  let rest = url.slice(separator + 3);
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? {} : parseCredentials(rest.slice(0, at), fail);
  rest = rest.slice(at + 1);
  if (rest.includes('?')) fail('must not have query parameters');
  const slash = rest.indexOf('/');
  const hostList = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');

  switch (scheme) {
    case 'redis':
    case 'rediss': {
      if (hostList === '') fail('has no host');
      if (hostList.includes(',')) fail('has several hosts (use redis-sentinel:// or redis-cluster:// for those)');
      if (!/^\d{0,2}$/.test(path)) fail('has a database that is not a number (0-99)');
      const host = parseHost(hostList, DEFAULT_PORT, fail);
      return { kind: 'standalone', hosts: [host], credentials, db: Number(path), tls: scheme === 'rediss' };
    }
    case 'redis-sentinel': {
      const hosts = parseHostList(hostList, fail);
      if (path === '') fail('needs the master name: redis-sentinel://host:port,host:port/master');
      if (path.includes('/')) fail('has a path other than /master');
      return { kind: 'sentinel', hosts, credentials, masterName: decode(path, fail) };
    }
    case 'redis-cluster': {
      const hosts = parseHostList(hostList, fail);
      if (path !== '') fail('must not have a path (a cluster has only database 0)');
      return { kind: 'cluster', hosts, credentials };
    }
  }
}

/**
 * Where `connection` points, without credentials: fit for a log line.
 *
 * @example
 * describeRedis(parseRedisUrl('rediss://:pw@cache:6380/2')); // 'rediss://cache:6380/2'
 * describeRedis(parseRedisUrl('redis-cluster://n1:7000,n2:7000')); // 'cluster n1:7000,n2:7000'
 */
export function describeRedis(connection: RedisConnection): string {
  const hosts = connection.hosts.map(hostString).join(',');
  switch (connection.kind) {
    case 'standalone':
      return `${connection.tls ? 'rediss' : 'redis'}://${hosts}${connection.db === 0 ? '' : `/${connection.db}`}`;
    case 'sentinel':
      return `sentinel ${hosts} master ${connection.masterName}`;
    case 'cluster':
      return `cluster ${hosts}`;
  }
}

type Fail = (reason: string) => never;

function parseCredentials(userinfo: string, fail: Fail): RedisCredentials {
  if (userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  // ioredis read a bare "name@" as a user for redis:// and as a password for the others: refuse to guess.
  if (colon === -1) fail('has credentials without ":" (write user:password@ or :password@)');
  const username = decode(userinfo.slice(0, colon), fail);
  const password = decode(userinfo.slice(colon + 1), fail);
  return { ...(username !== '' && { username }), ...(password !== '' && { password }) };
}

function parseHostList(list: string, fail: Fail): RedisHost[] {
  if (list === '') fail('has no hosts');
  return list.split(',').map((entry) => parseHost(entry, undefined, fail));
}

/** `host:port` or `[ipv6]:port`; the port may be left out only when there is a default. */
function parseHost(entry: string, defaultPort: number | undefined, fail: Fail): RedisHost {
  const match = HOST_PORT.exec(entry.trim());
  const port = match?.[3] !== undefined ? Number(match[3]) : defaultPort;
  if (!match || port === undefined || port < 1 || port > 65_535) {
    fail(`has an invalid host "${entry}" (expected host${defaultPort === undefined ? ':port' : '[:port]'})`);
  }
  return { host: match[1] ?? match[2]!, port };
}

function decode(text: string, fail: Fail): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail('has a malformed percent-encoding (%XX)');
  }
}

function hostString({ host, port }: RedisHost): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `url` with everything before the last "@" of its authority masked, as the parser reads credentials. */
function redact(url: string): string {
  const at = url.lastIndexOf('@');
  if (at === -1) return url;
  const separator = url.indexOf('://');
  const start = separator === -1 || separator > at ? 0 : separator + 3;
  return `${url.slice(0, start)}***${url.slice(at)}`;
}
