/**
 * Store failures classified from the errors real Redis failures raise through the real store: a
 * paused server (timeout), a killed one (connection), a key of the wrong type (script), and an open
 * breaker that never calls Redis. Metrics count store errors by these classes.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CircuitBreakerStore } from '../../src/limiter/resilience/circuit-breaker.store.js';
import { storeErrorClass } from '../../src/limiter/resilience/store-error-class.js';
import type { ConsumeRequest } from '../../src/limiter/store/rate-limit.store.js';
import { ScriptReplyError } from '../../src/limiter/store/redis/consume-reply.js';
import { StoreTimeoutError } from '../../src/limiter/store/redis/deadline.js';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { RedisRateLimitStore } from '../../src/limiter/store/redis/redis.store.js';
import { baseKey, limitKey } from '../../src/limiter/store/store-key.js';
import { freePort } from '../e2e/service/service-harness.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.mjs';

const request = (key = baseKey('fgtest', 'error-class', randomUUID())): ConsumeRequest => ({
  key,
  algorithm: 'sliding_log',
  limits: [{ limit: 10, windowMs: 60_000 }],
  cost: 1,
});

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('storeErrorClass on real Redis failures', () => {
  let server: RedisServerHandle;
  let store: RedisRateLimitStore;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer(await freePort());
    const client = createRedisClient(server.url, { commandTimeoutMs: 50 });
    await waitUntilReady(client, 5_000);
    store = new RedisRateLimitStore(client, { ownsClient: true });
    admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100, lazyConnect: true });
    await admin.connect();
  });
  afterAll(async () => {
    await store.close();
    admin.disconnect();
    await server.stop();
  });

  it('calls a Redis that does not answer within the call timeout a timeout', async () => {
    await store.consume(request());
    await admin.call('CLIENT', 'PAUSE', '300', 'ALL');
    const error = await rejection(store.consume(request()));
    expect(storeErrorClass(error)).toBe('timeout');
    await new Promise((resolve) => setTimeout(resolve, 350));
  });

  it('calls an error reply from the script (a key of the wrong type) a script error', async () => {
    const r = request();
    await admin.set(limitKey(r.key, r.algorithm, r.limits[0]!.windowMs), 'not a sorted set');
    const error = await rejection(store.consume(r));
    expect((error as Error).message).toMatch(/WRONGTYPE/);
    expect(storeErrorClass(error)).toBe('script');
  });

  it('calls a reply the script never gives a script error, and a Redis that cannot serve writes a connection error', () => {
    expect(storeErrorClass(new ScriptReplyError('Unexpected rate-limit script reply'))).toBe('script');
    expect(storeErrorClass(new StoreTimeoutError(50))).toBe('timeout');
    const readonly = Object.assign(new Error("READONLY You can't write against a read only replica."), {
      name: 'ReplyError',
    });
    expect(storeErrorClass(readonly)).toBe('connection');
    expect(storeErrorClass(new Error('something else'))).toBe('other');
    expect(storeErrorClass('not an error')).toBe('other');
  });

  it('calls a killed Redis a connection error, and an open breaker circuit_open (no call was made)', async () => {
    const breaker = new CircuitBreakerStore(store, { consecutiveFailures: 1, halfOpenAfterMs: 60_000 });
    await server.kill();
    const refused = await rejection(breaker.consume(request()));
    expect(storeErrorClass(refused)).toBe('connection');
    const open = await rejection(breaker.consume(request()));
    expect(storeErrorClass(open)).toBe('circuit_open');
    await server.start();
  });
});
