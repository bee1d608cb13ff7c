import { describeRedis, InvalidRedisUrlError, parseRedisUrl } from './redis-url.js';

/** The error `parseRedisUrl(url)` throws; fails the test if it does not throw one. */
function refusal(url: string): InvalidRedisUrlError {
  try {
    parseRedisUrl(url);
  } catch (error) {
    if (error instanceof InvalidRedisUrlError) return error;
    throw error;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('parseRedisUrl', () => {
  it('reads a redis:// URL: host, port, database, credentials', () => {
    expect(parseRedisUrl('redis://app:p%40ss@127.0.0.1:6380/2')).toEqual({
      kind: 'standalone',
      hosts: [{ host: '127.0.0.1', port: 6380 }],
      credentials: { username: 'app', password: 'p@ss' },
      db: 2,
      tls: false,
    });
  });

  it('defaults the port to 6379 and the database to 0, and reads rediss:// as TLS', () => {
    expect(parseRedisUrl('rediss://cache.internal')).toEqual({
      kind: 'standalone',
      hosts: [{ host: 'cache.internal', port: 6379 }],
      credentials: {},
      db: 0,
      tls: true,
    });
    expect(parseRedisUrl('REDISS://[::1]/')).toMatchObject({ hosts: [{ host: '::1', port: 6379 }], db: 0, tls: true });
  });

  it('ends the credentials at the last "@", so a password may hold "@", "/" and "?" unencoded', () => {
    expect(parseRedisUrl('redis://:a@b/c?d@h:1').credentials).toEqual({ password: 'a@b/c?d' });
    expect(parseRedisUrl('redis://user:@h:1').credentials).toEqual({ username: 'user' });
    expect(parseRedisUrl('redis://@h:1').credentials).toEqual({});
  });

  it('reads sentinels, the master name and credentials', () => {
    expect(parseRedisUrl('redis-sentinel://app:p%40ss@s1:26380, s2:26379,[::1]:26381/my%2Dmaster/')).toEqual({
      kind: 'sentinel',
      hosts: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'my-master',
      credentials: { username: 'app', password: 'p@ss' },
    });
  });

  it('reads cluster seed nodes and a password without user', () => {
    expect(parseRedisUrl('redis-cluster://:pw@n1:7000,n2:7001')).toEqual({
      kind: 'cluster',
      hosts: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      credentials: { password: 'pw' },
    });
  });

  it.each([
    ['tcp://h:1', 'must start with redis://, rediss://, redis-sentinel:// or redis-cluster://'],
    ['127.0.0.1:6379', 'must start with redis://, rediss://, redis-sentinel:// or redis-cluster://'],
    ['redis://', 'has no host'],
    ['redis://:secret@', 'has no host'],
    ['redis://h:1,h:2', 'has several hosts (use redis-sentinel:// or redis-cluster:// for those)'],
    ['redis://h/abc', 'has a database that is not a number (0-99)'],
    ['redis://h/100', 'has a database that is not a number (0-99)'],
    ['redis://h:0', 'has an invalid host "h:0" (expected host[:port])'],
    ['redis://h:6379?family=6', 'must not have query parameters'],
    ['redis://h:6379#x', 'has an invalid host "h:6379#x" (expected host[:port])'],
    ['redis://secret@h', 'has credentials without ":" (write user:password@ or :password@)'],
    ['redis://:%E0%A4%A@h', 'has a malformed percent-encoding (%XX)'],
    ['redis-sentinel://h:26379', 'needs the master name: redis-sentinel://host:port,host:port/master'],
    ['redis-sentinel://h:26379/', 'needs the master name: redis-sentinel://host:port,host:port/master'],
    ['redis-sentinel://s1:1/m/x', 'has a path other than /master'],
    ['redis-sentinel://s1:1/m?x=1', 'must not have query parameters'],
    ['redis-sentinel:///m', 'has no hosts'],
    ['redis-cluster://', 'has no hosts'],
    ['redis-cluster://n1:7000/0', 'must not have a path (a cluster has only database 0)'],
    ['redis-cluster://n1', 'has an invalid host "n1" (expected host:port)'],
    ['redis-cluster://n1:1,,n2:2', 'has an invalid host "" (expected host:port)'],
    ['redis-cluster://h:1,h:99999', 'has an invalid host "h:99999" (expected host:port)'],
    ['redis-cluster://[fe80::1%25eth0]:1', 'has an invalid host "[fe80::1%25eth0]:1" (expected host:port)'],
  ])('refuses %s: %s', (url, reason) => {
    expect(refusal(url).reason).toBe(reason);
  });

  it('shows the URL in the message with its credentials masked', () => {
    expect(refusal('redis-sentinel://u:s3cret@127.0.0.1:26379').message).toBe(
      'Redis URL "redis-sentinel://***@127.0.0.1:26379" needs the master name: redis-sentinel://host:port,host:port/master',
    );
    // A "/" in the password is masked too: everything up to the last "@" is.
    const message = refusal('redis://:pa/s3cret@h/x').message;
    expect(message).toBe('Redis URL "redis://***@h/x" has a database that is not a number (0-99)');
    expect(refusal('redis://:s3cret@h/x@').message).toBe('Redis URL "redis://***@" has no host');
  });
});

describe('describeRedis', () => {
  it('describes each kind without its credentials', () => {
    expect(describeRedis(parseRedisUrl('redis://u:secret@h:6379'))).toBe('redis://h:6379');
    expect(describeRedis(parseRedisUrl('rediss://:secret@[::1]/3'))).toBe('rediss://[::1]:6379/3');
    expect(describeRedis(parseRedisUrl('redis-sentinel://:secret@a:2,b:1/m'))).toBe('sentinel a:2,b:1 master m');
    expect(describeRedis(parseRedisUrl('redis-cluster://u:secret@[::1]:7000,n:7001'))).toBe(
      'cluster [::1]:7000,n:7001',
    );
  });
});
