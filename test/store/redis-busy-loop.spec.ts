/**
 * The store's timeout on a busy node: a Redis reply that arrived while the event loop was busy
 * counts as on time (ioredis' own command timeout, a plain timer, declares it late), while a Redis
 * that really does not answer still times out. Under a burst, the first case had turned most
 * decisions into fail-open ones.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ConsumeRequest } from '../../src/limiter/store/rate-limit.store.js';
import { StoreTimeoutError } from '../../src/limiter/store/redis/deadline.js';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { RedisRateLimitStore } from '../../src/limiter/store/redis/redis.store.js';
import { baseKey } from '../../src/limiter/store/store-key.js';
import { freePort } from '../e2e/service/service-harness.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.mjs';

const request = (): ConsumeRequest => ({
  key: baseKey('fgtest', 'busy-loop', randomUUID()),
  algorithm: 'sliding_window',
  limits: [{ limit: 10, windowMs: 60_000 }],
  cost: 1,
});

/** Keeps the event loop busy for `ms`, as a node drowning in requests does. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spinning
  }
}

// A server of its own: the test pauses it.
describe('RedisRateLimitStore on a busy event loop', () => {
  let server: RedisServerHandle;
  let store: RedisRateLimitStore;
  let plain: Redis;

  beforeAll(async () => {
    server = await startRedisServer(await freePort());
    const client = createRedisClient(server.url, { commandTimeoutMs: 1_000 });
    await waitUntilReady(client, 5_000);
    store = new RedisRateLimitStore(client, { ownsClient: true, timeoutMs: 20 });
    // No ready check: its INFO would run under the 20 ms timeout too, and a loaded CI box can take
    // longer than that to connect; the timeout is for the test's own command.
    plain = new Redis(server.url, { commandTimeout: 20, maxRetriesPerRequest: 0, enableReadyCheck: false });
    await waitUntilReady(plain, 5_000);
  });
  afterAll(async () => {
    await store.close();
    plain.disconnect();
    await server.stop();
  });

  it('does not count the time a busy node takes to send the command, on a client that auto-pipelines', async () => {
    // A client passed in may auto-pipeline: then nothing is sent before the loop gets to the flush.
    const client = new Redis(server.url, { enableAutoPipelining: true, enableOfflineQueue: false });
    await waitUntilReady(client, 5_000);
    const pipelined = new RedisRateLimitStore(client, { ownsClient: true, timeoutMs: 20 });
    try {
      // A burst: each request costs the node 5 ms of work before the auto-pipeline sends anything.
      const decisions: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) {
        decisions.push(pipelined.consume(request()));
        busy(5);
      }
      const results = (await Promise.all(decisions)) as { allowed: boolean }[];
      expect(results.every((result) => result.allowed)).toBe(true);
    } finally {
      await pipelined.close();
    }
  });

  it('takes the reply that arrived while the loop was busy, where a plain command timeout fails', async () => {
    const admin = new Redis(server.url);
    await admin.ping();
    // Redis first spends 30 ms on another connection's script, so no reply can be read before the
    // deadlines have started (in this turn's check phase); the replies then arrive while this node
    // reads nothing for 100 ms.
    const stall = admin.eval(
      "local t0 = redis.call('TIME') repeat local t = redis.call('TIME') until (t[1] - t0[1]) * 1e6 + t[2] - t0[2] > 30000 return 1",
      0,
    );
    try {
      const decisions = Array.from({ length: 20 }, () => store.consume(request()));
      const plainPing = plain.ping().then(
        () => 'answered',
        (error: Error) => error.message,
      );
      setImmediate(() => busy(100));
      const results = await Promise.all(decisions);
      expect(results.every((result) => result.allowed && result.limits[0]!.remaining === 9)).toBe(true);
      expect(await plainPing).toBe('Command timed out');
    } finally {
      await stall;
      admin.disconnect();
    }
  });

  it('still times out when Redis does not answer', async () => {
    const admin = new Redis(server.url);
    // Paused for writes only: the store's scripts wait, the admin connection does not.
    await admin.call('CLIENT', 'PAUSE', '200', 'WRITE');
    try {
      await expect(store.consume(request())).rejects.toBeInstanceOf(StoreTimeoutError);
      // A concurrency slot is a script call like any other: it waits no longer.
      const slot = { ...request(), algorithm: 'concurrency' as const, limits: [{ limit: 2, windowMs: 10_000 }] };
      await expect(store.consume(slot)).rejects.toBeInstanceOf(StoreTimeoutError);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      admin.disconnect();
    }
  });
});
