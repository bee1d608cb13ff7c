/**
 * The store against a redis-server of its own (127.0.0.1:6391) that loses its script cache: by
 * SCRIPT FLUSH, and by being killed and restarted. Consumes must work again without any help.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { RATE_ALGORITHMS, type Algorithm } from '../../src/limiter/algorithms.js';
import type { ConsumeRequest } from '../../src/limiter/store/rate-limit.store.js';
import { baseKey } from '../../src/limiter/store/store-key.js';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { RedisRateLimitStore } from '../../src/limiter/store/redis/redis.store.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.mjs';

const PORT = 6391;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const requestsFor = (count: number): ConsumeRequest[] =>
  Array.from({ length: count }, (_, i) => ({
    key: baseKey('fgtest', 'redis-restart', randomUUID()),
    algorithm: RATE_ALGORITHMS[i % RATE_ALGORITHMS.length] as Algorithm,
    limits: [
      { limit: 10, windowMs: 60_000 },
      { limit: 50, windowMs: 600_000 },
    ],
    cost: 1,
  }));

describe('RedisRateLimitStore when Redis loses its scripts', () => {
  let server: RedisServerHandle;
  let client: Redis | Cluster;
  let store: RedisRateLimitStore;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer(PORT);
    client = createRedisClient(server.url, { commandTimeoutMs: 5_000 });
    await waitUntilReady(client, 5_000);
    store = new RedisRateLimitStore(client, { ownsClient: true });
    admin = new Redis(PORT, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
  });

  afterAll(async () => {
    await store.close();
    await admin.quit();
    await server.stop();
  });

  const noscriptErrors = async () =>
    Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(await admin.info('errorstats'))?.[1] ?? 0);

  it('uses EVALSHA once a script is loaded', async () => {
    await Promise.all(requestsFor(10).map((r) => store.consume(r)));
    await admin.config('RESETSTAT');
    await Promise.all(requestsFor(10).map((r) => store.consume(r)));
    const stats = await admin.info('commandstats');
    // Made in one turn: one batch call per algorithm.
    expect(stats).toMatch(new RegExp(`cmdstat_evalsha:calls=${RATE_ALGORITHMS.length},`));
    expect(stats).not.toMatch(/cmdstat_eval:/);
  });

  it('reloads the scripts after SCRIPT FLUSH, one at a time and many in flight at once', async () => {
    const [first] = requestsFor(1);
    expect((await store.consume(first!)).allowed).toBe(true);
    // The batch scripts too are loaded on this connection before the flush (ioredis sends a script
    // it has not loaded there yet with EVAL, which would never meet NOSCRIPT).
    await Promise.all(requestsFor(25).map((r) => store.consume(r)));
    await admin.config('RESETSTAT');
    await admin.script('FLUSH');
    expect((await store.consume(first!)).limits.map((l) => l.remaining)).toEqual([8, 48]);
    expect(await noscriptErrors()).toBe(1);

    await admin.script('FLUSH');
    // Issued in one tick: all of them (one batch call per algorithm) reach Redis before the first
    // NOSCRIPT comes back.
    const results = await Promise.all(requestsFor(25).map((r) => store.consume(r)));
    expect(results.every((r) => r.allowed && r.limits[0]!.remaining === 9)).toBe(true);
    expect(await noscriptErrors()).toBeGreaterThan(1);
  });

  it('fails fast while the server is down, then works again once it is back', async () => {
    const requests = requestsFor(10);
    await Promise.all(requests.map((r) => store.consume(r)));

    await server.kill();
    // No offline queue: a request fails at once instead of waiting for a reconnect.
    await expect(store.consume(requests[0]!)).rejects.toThrow();
    while (client.status === 'ready') await sleep(10);
    await expect(waitUntilReady(client, 200)).rejects.toThrow(/Redis was not ready within 200 ms/);

    await server.start();
    await waitUntilReady(client, 5_000);
    // A fresh server: the counters are gone and so are the scripts, which come back by themselves.
    const results = await Promise.all(requests.map((r) => store.consume(r)));
    expect(results.map((r) => r.limits[0]!.remaining)).toEqual(requests.map(() => 9));
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('closes at once while the server is down, instead of waiting for a reconnect', async () => {
    const other = createRedisClient(server.url, { commandTimeoutMs: 5_000 });
    await waitUntilReady(other, 5_000);
    const owning = new RedisRateLimitStore(other, { ownsClient: true });
    await server.kill();
    while (other.status === 'ready') await sleep(10);
    // Before the fix this never resolved: QUIT waited for a server that was gone.
    await owning.close();
    await server.start();
    // Closed means closed: the client does not come back with the server (reconnects retry within 200 ms).
    await sleep(500);
    expect(other.status).not.toBe('ready');
  });
});
