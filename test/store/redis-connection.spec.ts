/** createRedisClient's URL forms and settings, and waitUntilReady, against the shared Redis. */
import { jest } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { type AddressInfo, createServer } from 'node:net';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { InvalidRedisUrlError } from '../../src/limiter/store/redis/redis-url.js';

const FAIL_FAST = { enableAutoPipelining: false, enableOfflineQueue: false, maxRetriesPerRequest: 0 };

// URLs that must not reach a server use loopback ports 1 and 2, where nothing listens.
describe('createRedisClient', () => {
  const opened: (Redis | Cluster)[] = [];
  const open = (...args: Parameters<typeof createRedisClient>) => {
    const client = createRedisClient(...args);
    opened.push(client);
    return client;
  };
  afterEach(async () => {
    const ended = (client: Redis | Cluster) =>
      client.status === 'end' ? undefined : new Promise((resolve) => client.once('end', resolve));
    await Promise.all(
      opened.splice(0).map((client) => {
        const end = ended(client);
        client.disconnect();
        return end;
      }),
    );
  });

  it('connects a redis:// URL with the fail-fast settings', async () => {
    const client = open('redis://127.0.0.1:6379/0', { commandTimeoutMs: 50 });
    expect(client).toBeInstanceOf(Redis);
    expect(client.options).toMatchObject({ ...FAIL_FAST, commandTimeout: 50, connectTimeout: 1_000 });
    const retry = (client as Redis).options.retryStrategy!;
    expect([1, 2, 10, 1_000].map((times) => retry(times))).toEqual([50, 100, 200, 200]);
    await waitUntilReady(client, 5_000);
    await expect(client.ping()).resolves.toBe('PONG');
  });

  it('prints nothing to the console when its connection fails: the owner sees the failed commands', async () => {
    // A server that takes each connection and drops it at once: ioredis' ready check then fails,
    // which it reports as an 'error' event (printed to the console when nobody listens).
    const dropping = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const { port } = dropping.address() as AddressInfo;
    const printed = jest.spyOn(global.console, 'error').mockImplementation(() => undefined);
    const client = createRedisClient(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 50 });
    try {
      await expect(waitUntilReady(client, 300)).rejects.toThrow(/not ready within 300 ms/);
      await expect(client.ping()).rejects.toThrow();
      // Reconnect attempts go on (every 200 ms at most) and fail, with nobody else listening.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(printed).not.toHaveBeenCalled();
    } finally {
      // Between two attempts a disconnect ends it without an 'end' event to wait for.
      client.disconnect();
      printed.mockRestore();
      await new Promise((resolve) => dropping.close(resolve));
    }
  });

  it('reads host, port, database and credentials from a redis:// URL', () => {
    const client = open('redis://app:s%40cret@127.0.0.1:1/3', { commandTimeoutMs: 50 }) as Redis;
    expect(client.options).toMatchObject({ host: '127.0.0.1', port: 1, db: 3, username: 'app', password: 's@cret' });
    expect(client.options.tls).toBeUndefined();
  });

  it('lets an options object choose the connection but not the request path', async () => {
    const client = open(
      { host: '127.0.0.1', port: 6379, connectTimeout: 2_000, enableOfflineQueue: true },
      { commandTimeoutMs: 75 },
    );
    expect(client.options).toMatchObject({ ...FAIL_FAST, commandTimeout: 75, connectTimeout: 2_000 });
    await waitUntilReady(client, 5_000);
  });

  it('reads a rediss:// URL as TLS', () => {
    const client = open('rediss://127.0.0.1:6379', { commandTimeoutMs: 50 });
    expect((client as Redis).options.tls).toBeDefined();
  });

  it('reads a redis-sentinel:// URL: sentinels, master name and credentials', () => {
    const client = open('redis-sentinel://app:s%40cret@127.0.0.1:1,[::1]:2/my-master', {
      commandTimeoutMs: 50,
    }) as Redis;
    expect(client.options).toMatchObject({
      ...FAIL_FAST,
      sentinels: [
        { host: '127.0.0.1', port: 1 },
        { host: '::1', port: 2 },
      ],
      name: 'my-master',
      username: 'app',
      password: 's@cret',
    });
  });

  it('reads a redis-cluster:// URL: seed nodes, masters only, fail-fast nodes', () => {
    const client = open('redis-cluster://:pw@127.0.0.1:1,127.0.0.1:2', { commandTimeoutMs: 50 }) as Cluster;
    expect(client).toBeInstanceOf(Cluster);
    expect(client.options).toMatchObject({
      enableAutoPipelining: false,
      enableOfflineQueue: false,
      scaleReads: 'master',
      redisOptions: { ...FAIL_FAST, commandTimeout: 50, password: 'pw' },
    });
    expect(client.options.clusterRetryStrategy!(100, new Error('down'))).toBe(200);
  });

  it.each([
    ['http://127.0.0.1:6379', 'Redis URL "http://127.0.0.1:6379" must start with redis://, rediss://'],
    ['redis-sentinel://u:secret@127.0.0.1:26379', 'Redis URL "redis-sentinel://***@127.0.0.1:26379" needs the master'],
    ['redis-cluster://127.0.0.1', 'Redis URL "redis-cluster://127.0.0.1" has an invalid host "127.0.0.1"'],
    ['redis://127.0.0.1:6379?enableOfflineQueue=true', 'must not have query parameters'],
  ])('refuses %s without echoing credentials', (url, message) => {
    expect(() => createRedisClient(url, { commandTimeoutMs: 50 })).toThrow(InvalidRedisUrlError);
    expect(() => createRedisClient(url, { commandTimeoutMs: 50 })).toThrow(message);
  });
});

describe('waitUntilReady', () => {
  it('rejects with the last connection error when Redis never answers', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', { commandTimeoutMs: 50 });
    await expect(waitUntilReady(client, 300)).rejects.toThrow(/^Redis was not ready within 300 ms .*ECONNREFUSED/);
    client.disconnect();
  });
});
