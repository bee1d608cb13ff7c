import { describeRedis, parseRedisUrl } from './redis-connection.js';

describe('parseRedisUrl', () => {
  it('keeps redis:// and rediss:// URLs for ioredis to read', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379/2' });
    expect(parseRedisUrl('rediss://user:pw@cache.internal')).toEqual({
      kind: 'standalone',
      url: 'rediss://user:pw@cache.internal',
    });
  });

  it('reads sentinels, the master name and credentials', () => {
    expect(parseRedisUrl('redis-sentinel://app:p%40ss@s1:26380,s2:26379,[::1]:26381/mymaster')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'mymaster',
      username: 'app',
      password: 'p@ss',
    });
  });

  it('reads cluster seed nodes and a password without user', () => {
    expect(parseRedisUrl('redis-cluster://:pw@n1:7000,n2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      password: 'pw',
    });
  });

  it.each([
    ['redis-cluster://n1:7000/0', 'must not have a path (a cluster has only database 0)'],
    ['redis-sentinel://s1:1/m/x', 'has a path other than /master'],
    ['redis-sentinel://s1:1/m?x=1', 'must not have query parameters'],
    ['redis-cluster://n1', 'has an invalid host "n1" (expected host:port)'],
    ['redis-cluster://n1:1,,n2:2', 'has an invalid host "" (expected host:port)'],
    ['tcp://h:1', 'must start with redis://, rediss://, redis-sentinel:// or redis-cluster://'],
  ])('rejects %s', (url, reason) => {
    expect(() => parseRedisUrl(url)).toThrow(reason);
  });

  it('describes a connection without its password', () => {
    expect(describeRedis(parseRedisUrl('redis://u:secret@h:6379'))).toBe('redis://u:***@h:6379');
    expect(describeRedis(parseRedisUrl('redis-sentinel://:secret@a:2,b:1/m'))).toBe('sentinel a:2,b:1 master m');
    expect(describeRedis(parseRedisUrl('redis-cluster://:secret@[::1]:7000'))).toBe('cluster [::1]:7000');
  });
});
