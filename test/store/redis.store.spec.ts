/**
 * The Redis store against real Redis: the store contract on a single server and on a 3-master
 * Cluster, plus what only Redis has (key expiry, several nodes racing, script cache loss, replies).
 */
import { randomUUID } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { RATE_ALGORITHMS, type Algorithm, type LimitSpec } from '../../src/limiter/algorithms.js';
import { describeStoreContract } from '../../src/limiter/store/store.contract.js';
import type { Penalty } from '../../src/limiter/algorithms.js';
import { baseKey, limitKey, penaltyKey } from '../../src/limiter/store/store-key.js';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { MAX_BATCH } from '../../src/limiter/store/redis/consume-batcher.js';
import { scriptCommand } from '../../src/limiter/store/redis/redis-scripts.js';
import { RedisRateLimitStore } from '../../src/limiter/store/redis/redis.store.js';
import { freePort } from '../e2e/service/service-harness.js';
import { startRedisCluster, startRedisServer, type RedisClusterHandle } from '../support/redis-server.mjs';

const SINGLE = 'redis://127.0.0.1:6379';
const CLUSTER_PORTS = [7101, 7102, 7103];
const CLUSTER = `redis-cluster://${CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',')}`;
// Generous: these tests check behaviour, and the machine is shared; the 50 ms default is for production.
const TIMEOUT = { commandTimeoutMs: 5_000 };
const HOUR = 3_600_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freshKey = () => baseKey('fgtest', 'redis-store', randomUUID());

async function connect(url: string): Promise<Redis | Cluster> {
  const client = createRedisClient(url, TIMEOUT);
  await waitUntilReady(client, 10_000);
  return client;
}

/**
 * `client`, on which the store's definition of `command` runs `lua` instead: a server answering
 * with another script's reply, as a stale deployment or a bad proxy could.
 */
function replacingScript(client: Redis | Cluster, command: string, lua: string): Redis | Cluster {
  const define = client.defineCommand.bind(client);
  client.defineCommand = (name, definition) => define(name, name === command ? { ...definition, lua } : definition);
  return client;
}

async function openStore(url: string): Promise<RedisRateLimitStore> {
  return new RedisRateLimitStore(await connect(url), { ownsClient: true });
}

let cluster: RedisClusterHandle;

beforeAll(async () => {
  cluster = await startRedisCluster(CLUSTER_PORTS);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describeStoreContract('redis (single)', async () => {
  const store = await openStore(SINGLE);
  return { store, dispose: () => store.close() };
});

describeStoreContract('redis (cluster)', async () => {
  const store = await openStore(CLUSTER);
  return { store, dispose: () => store.close() };
});

describe('RedisRateLimitStore on a single server', () => {
  let store: RedisRateLimitStore;
  let admin: Redis;

  beforeAll(async () => {
    store = await openStore(SINGLE);
    admin = new Redis(SINGLE);
  });
  afterAll(async () => {
    await store.close();
    await admin.quit();
  });

  describe.each(RATE_ALGORITHMS)('%s keys', (algorithm) => {
    it('each get a TTL bounded by their window (twice it for sliding_window)', async () => {
      const key = freshKey();
      const limits: LimitSpec[] = [
        { limit: 10, windowMs: 60_000 },
        { limit: 100, windowMs: HOUR },
      ];
      expect((await store.consume({ key, algorithm, limits, cost: 3 })).allowed).toBe(true);
      const factor = algorithm === 'sliding_window' ? 2 : 1;
      for (const { windowMs } of limits) {
        const ttl = await admin.pttl(limitKey(key, algorithm, windowMs));
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(windowMs * factor);
      }
      // Nothing else was written under this caller.
      const [, written] = await admin.scan('0', 'MATCH', `${key}*`, 'COUNT', 1_000_000);
      expect(written.sort()).toEqual(limits.map((l) => limitKey(key, algorithm, l.windowMs)).sort());
    });

    it('disappear once their state has fully drained', async () => {
      const key = freshKey();
      const limits: LimitSpec[] = [{ limit: 4, windowMs: 200 }];
      await store.consume({ key, algorithm, limits, cost: 4 });
      expect(await admin.exists(limitKey(key, algorithm, 200))).toBe(1);
      await sleep(2 * 200 + 150);
      expect(await admin.exists(limitKey(key, algorithm, 200))).toBe(0);
    });

    it('are not created by a report (cost 0) or a denial', async () => {
      const key = freshKey();
      const limits: LimitSpec[] = [{ limit: 2, windowMs: 60_000 }];
      expect((await store.consume({ key, algorithm, limits, cost: 0 })).allowed).toBe(true);
      expect((await store.consume({ key, algorithm, limits, cost: 3 })).allowed).toBe(false);
      expect(await admin.exists(limitKey(key, algorithm, 60_000))).toBe(0);
    });
  });

  // Nodes of two releases share keys during a rolling upgrade: each must read what the other writes.
  it('keeps every counter in the format the previous release reads and writes', async () => {
    const limits: LimitSpec[] = [{ limit: 10, windowMs: HOUR }];
    const stored = async (algorithm: Algorithm, cost: number) => {
      const key = freshKey();
      const result = await store.consume({ key, algorithm, limits, cost });
      return { key, nowMs: result.nowMs, value: await admin.get(limitKey(key, algorithm, HOUR)) };
    };
    const window = await stored('sliding_window', 3);
    expect(window.value).toBe(`${window.nowMs - (window.nowMs % HOUR)}:0:3`);
    const fixed = await stored('fixed_window', 3);
    expect(fixed.value).toBe(`${fixed.nowMs - (fixed.nowMs % HOUR)}:3`);
    const bucket = await stored('token_bucket', 3);
    expect(bucket.value).toBe(`${bucket.nowMs}:${3 * HOUR}`);
    const gcra = await stored('gcra', 3);
    // The TAT in microseconds: now (to the microsecond) plus 3 intervals of windowMs / limit.
    const tat = Number(gcra.value) - 3 * ((HOUR * 1000) / 10);
    expect(gcra.value).toMatch(/^\d+$/);
    expect(tat).toBeGreaterThanOrEqual(gcra.nowMs * 1000);
    expect(tat).toBeLessThan((gcra.nowMs + 1) * 1000);

    // What the other release wrote is read as its own: 4 of the previous window, 2 of this one.
    const key = freshKey();
    const now = Number((await admin.time())[0]) * 1000;
    const start = now - (now % HOUR);
    await admin.set(limitKey(key, 'sliding_window', HOUR), `${start}:4:2`, 'PX', HOUR);
    const report = await store.consume({ key, algorithm: 'sliding_window', limits, cost: 0 });
    // (Unless the hour turned in between: the 2 are then the previous window's.)
    const current = report.nowMs - (report.nowMs % HOUR);
    const [previous, counted] = current === start ? [4, 2] : [2, 0];
    const used = previous * (HOUR - (report.nowMs - current)) + counted * HOUR;
    expect(report.limits[0]!.remaining).toBe(Math.floor((10 * HOUR - used) / HOUR));
  });

  /** Every key written under a caller's base key. */
  const written = async (key: string) => (await admin.scan('0', 'MATCH', `${key}*`, 'COUNT', 1_000_000))[1].sort();

  describe('penalties', () => {
    const penalty: Penalty = { blockDurationMs: 5_000, multiplier: 2, decayMs: 20_000, maxBlockMs: 60_000 };
    const limits: LimitSpec[] = [{ limit: 1, windowMs: 60_000 }];

    // In the limits' slot: the contract suite on a cluster would fail with CROSSSLOT otherwise.
    it('keep one key beside the limits, expiring decayMs after the block', async () => {
      const key = freshKey();
      await store.consume({ key, algorithm: 'gcra', limits, cost: 1, penalty });
      // Allowed: the penalty key is read, not written.
      expect(await written(key)).toEqual([limitKey(key, 'gcra', 60_000)]);
      await store.consume({ key, algorithm: 'gcra', limits, cost: 1, penalty });
      expect(await written(key)).toEqual([limitKey(key, 'gcra', 60_000), penaltyKey(key)].sort());
      const ttl = await admin.pttl(penaltyKey(key));
      expect(ttl).toBeGreaterThan(5_000 + 20_000 - 1_000);
      expect(ttl).toBeLessThanOrEqual(5_000 + 20_000);
      expect(await admin.get(penaltyKey(key))).toMatch(/^\d+:1$/);
    });

    it('with multiplier 1, expire with the block: the offences change nothing', async () => {
      const key = freshKey();
      const fixed = { ...penalty, multiplier: 1 };
      await store.consume({ key, algorithm: 'fixed_window', limits, cost: 1, penalty: fixed });
      await store.consume({ key, algorithm: 'fixed_window', limits, cost: 1, penalty: fixed });
      const ttl = await admin.pttl(penaltyKey(key));
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
    });

    it('are refused with a clear error when the script answers without the block', async () => {
      // The consume script of before penalties: the reply lacks blockedUntilMs.
      const broken = new RedisRateLimitStore(
        replacingScript(await connect(SINGLE), scriptCommand('gcra', 2), 'return {1, 2, 0, 1, 1}'),
        { ownsClient: true },
      );
      await expect(broken.consume({ key: freshKey(), algorithm: 'gcra', limits, cost: 1, penalty })).rejects.toThrow(
        'Unexpected rate-limit script reply: expected an array of 6 integers, got an array of length 5',
      );
      await broken.close();
    });
  });

  describe('concurrency keys', () => {
    const limits: LimitSpec[] = [{ limit: 3, windowMs: 30_000 }];

    it('are one sorted set of leases, expiring with the newest, gone once all are released', async () => {
      const key = freshKey();
      const leases = limitKey(key, 'concurrency', 30_000);
      const a = await store.consume({ key, algorithm: 'concurrency', limits, cost: 1 });
      const b = await store.consume({ key, algorithm: 'concurrency', limits, cost: 1 });
      expect(await written(key)).toEqual([leases]);
      expect(await admin.zrange(leases, 0, -1)).toEqual([a.leaseId, b.leaseId]);
      const ttl = await admin.pttl(leases);
      expect(ttl).toBeGreaterThan(29_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      for (const { leaseId } of [a, b]) {
        expect(await store.release({ key, algorithm: 'concurrency', limits, leaseId: leaseId! })).toBe(true);
      }
      expect(await admin.exists(leases)).toBe(0);
    });

    it('are not created by a report', async () => {
      const key = freshKey();
      expect((await store.consume({ key, algorithm: 'concurrency', limits, cost: 0 })).allowed).toBe(true);
      expect(await written(key)).toEqual([]);
    });
  });

  it('reset deletes every key of the caller: each limit, the penalty', async () => {
    const key = freshKey();
    const limits: LimitSpec[] = [
      { limit: 1, windowMs: 60_000 },
      { limit: 5, windowMs: HOUR },
    ];
    const penalty: Penalty = { blockDurationMs: 60_000, multiplier: 1, decayMs: 1, maxBlockMs: 60_000 };
    await store.consume({ key, algorithm: 'sliding_log', limits, cost: 1, penalty });
    await store.consume({ key, algorithm: 'sliding_log', limits, cost: 1, penalty });
    expect(await written(key)).toHaveLength(3);
    await store.reset({ key, algorithm: 'sliding_log', limits });
    expect(await written(key)).toEqual([]);
  });

  it('a refund creates no key and gives back nothing to a caller that took nothing', async () => {
    const key = freshKey();
    const limits: LimitSpec[] = [{ limit: 5, windowMs: 60_000 }];
    for (const algorithm of RATE_ALGORITHMS) {
      await store.refund({ key, algorithm, limits, cost: 3, consumedAtMs: Date.now() });
    }
    expect(await written(key)).toEqual([]);
  });

  it('refuses a malformed script reply with a clear error', async () => {
    // Same command name, different script: what a stale deployment or a bad proxy could answer.
    const broken = new RedisRateLimitStore(
      replacingScript(await connect(SINGLE), scriptCommand('gcra', 1), 'return {1, 2}'),
      { ownsClient: true },
    );
    const request = { key: freshKey(), algorithm: 'gcra' as const, limits: [{ limit: 1, windowMs: 1_000 }], cost: 1 };
    await expect(broken.consume(request)).rejects.toThrow(
      'Unexpected rate-limit script reply: expected an array of 5 integers, got an array of length 2',
    );
    await broken.close();
  });

  it('leaves a client it does not own open, and closes one it owns, idempotently', async () => {
    const client = await connect(SINGLE);
    await new RedisRateLimitStore(client).close();
    expect(client.status).toBe('ready');
    const owning = new RedisRateLimitStore(client, { ownsClient: true });
    await owning.close();
    // close() resolves once the connection has ended, not merely once QUIT was answered.
    expect(client.status).toBe('end');
    await expect(owning.close()).resolves.toBeUndefined();
  });
});

describe.each([
  ['single', SINGLE],
  ['cluster', CLUSTER],
])('three nodes racing on one key (%s)', (_name, url) => {
  let stores: RedisRateLimitStore[];

  beforeAll(async () => {
    stores = await Promise.all([1, 2, 3].map(() => openStore(url)));
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it.each(RATE_ALGORITHMS)('%s admits the limit out of 1000 concurrent requests, never more', async (algorithm) => {
    const key = freshKey();
    // An hour-long window: nothing refills while the burst runs.
    const limits: LimitSpec[] = [{ limit: 100, windowMs: HOUR }];
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => stores[i % 3]!.consume({ key, algorithm, limits, cost: 1 })),
    );
    const allowed = results.filter((r) => r.allowed).length;
    if (algorithm === 'gcra') {
      expect(allowed).toBeLessThanOrEqual(100);
      expect(allowed).toBeGreaterThan(0);
    } else {
      expect(allowed).toBe(100);
    }
    const report = await stores[0]!.consume({ key, algorithm, limits, cost: 0 });
    expect(report.limits[0]!.remaining).toBe(100 - allowed);
  });
});

describe.each([
  ['single', SINGLE],
  ['cluster', CLUSTER],
])('concurrency through three connections (%s)', (_name, url) => {
  let stores: RedisRateLimitStore[];

  beforeAll(async () => {
    stores = await Promise.all([1, 2, 3].map(() => openStore(url)));
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('never has more than `limit` in flight out of 200 concurrent acquires, and frees them on release', async () => {
    const key = freshKey();
    const limits: LimitSpec[] = [{ limit: 25, windowMs: HOUR }];
    const acquire = (i: number) => stores[i % 3]!.consume({ key, algorithm: 'concurrency', limits, cost: 1 });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => acquire(i)));
    const held = results.filter((r) => r.allowed);
    expect(held).toHaveLength(25);
    expect(new Set(held.map((r) => r.leaseId)).size).toBe(25);

    // Released from other connections than the ones that acquired, while more acquires race.
    const releases = held.map((r, i) =>
      stores[(i + 1) % 3]!.release({ key, algorithm: 'concurrency', limits, leaseId: r.leaseId! }),
    );
    const racing = Array.from({ length: 100 }, (_, i) => acquire(i));
    expect(await Promise.all(releases)).toEqual(held.map(() => true));
    const raced = (await Promise.all(racing)).filter((r) => r.allowed);
    const report = await stores[0]!.consume({ key, algorithm: 'concurrency', limits, cost: 0 });
    expect(report.limits[0]!.remaining).toBe(25 - raced.length);
    expect(raced.length).toBeLessThanOrEqual(25);
  });
});

describe('command counts (a redis-server of its own)', () => {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  let store: RedisRateLimitStore;
  let admin: Redis;

  beforeAll(async () => {
    server = await startRedisServer(await freePort());
    store = await openStore(server.url);
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await store.close();
    await admin.quit();
    await server.stop();
  });

  /** Calls per command since the last RESETSTAT, from INFO commandstats (scripts' own calls included). */
  const calls = async (): Promise<Record<string, number>> => {
    const stats = await admin.info('commandstats');
    return Object.fromEntries(
      [...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map(([, name, n]) => [name, Number(n)]),
    );
  };
  /** Script calls: EVALSHA, and EVAL where ioredis loaded a script the server did not have yet. */
  const scriptCalls = async () => {
    const { evalsha = 0, eval: evalCalls = 0 } = await calls();
    return evalsha + evalCalls;
  };
  const limits: LimitSpec[] = [{ limit: 100, windowMs: HOUR }];

  it('runs exactly the commands it ran before penalties: TIME, GET, SET per allowed consume', async () => {
    const key = freshKey();
    await store.consume({ key, algorithm: 'fixed_window', limits, cost: 1 });
    await admin.config('RESETSTAT');
    for (let i = 0; i < 10; i++) await store.consume({ key, algorithm: 'fixed_window', limits, cost: 1 });
    const { info: _info, ...byCommand } = await calls();
    expect(byCommand).toEqual({ evalsha: 10, time: 10, get: 10, set: 10 });
  });

  it.each(RATE_ALGORITHMS)(
    '%s: 300 consumes of one caller at once go in a few calls, answered as if sent one at a time',
    async (algorithm) => {
      const key = freshKey();
      await admin.config('RESETSTAT');
      const results = await Promise.all(
        Array.from({ length: 300 }, () => store.consume({ key, algorithm, limits, cost: 1 })),
      );
      // Made in one turn: batches of MAX_BATCH, the last one smaller.
      expect(await scriptCalls()).toBe(Math.ceil(300 / MAX_BATCH));
      const allowed = results.filter((r) => r.allowed);
      const remaining = allowed.map((r) => r.limits[0]!.remaining);
      if (algorithm === 'gcra') {
        expect(allowed.length).toBeLessThanOrEqual(100);
        expect(new Set(remaining).size).toBe(allowed.length);
      } else {
        // In the order they were made.
        expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
      }
      expect(results.slice(allowed.length).every((r) => !r.allowed)).toBe(true);
    },
  );

  it.each(['sliding_window', 'token_bucket', 'fixed_window', 'gcra'] as const)(
    '%s: a batch reads the clock once and a hot key once, writes it once, and leaves the TTL consumes one at a time leave',
    async (algorithm) => {
      const key = freshKey();
      await admin.config('RESETSTAT');
      await Promise.all(Array.from({ length: MAX_BATCH }, () => store.consume({ key, algorithm, limits, cost: 1 })));
      const { info: _info, ...byCommand } = await calls();
      expect(byCommand).toEqual({ evalsha: 1, time: 1, get: 1, set: 1 });
      const lone = freshKey();
      for (let i = 0; i < MAX_BATCH; i++) await store.consume({ key: lone, algorithm, limits, cost: 1 });
      const ttl = (of: string) => admin.pttl(limitKey(of, algorithm, HOUR));
      const [batched, alone] = [await ttl(key), await ttl(lone)];
      expect(batched).toBeGreaterThan(0);
      // The same usage under the same rule: the same TTL but for the few ms between the two.
      expect(Math.abs(batched - alone)).toBeLessThan(1_000);
    },
  );

  it('answers a batch with mixed costs in order: a refusal in the middle takes nothing, reports take nothing', async () => {
    const key = freshKey();
    const five: LimitSpec[] = [{ limit: 5, windowMs: HOUR }];
    const consume = (cost: number) => store.consume({ key, algorithm: 'fixed_window', limits: five, cost });
    await admin.config('RESETSTAT');
    const results = await Promise.all([1, 2, 0, 3, 2, 0].map(consume));
    expect(await scriptCalls()).toBe(1);
    expect(results.map((r) => [r.allowed, r.limits[0]!.remaining])).toEqual([
      [true, 4],
      [true, 2],
      [true, 2],
      [false, 2],
      [true, 0],
      [true, 0],
    ]);
  });

  it('batches the consumes of many callers in one call, each counted on its own keys', async () => {
    const callers = Array.from({ length: 10 }, () => freshKey());
    const two: LimitSpec[] = [
      { limit: 3, windowMs: HOUR },
      { limit: 5, windowMs: 2 * HOUR },
    ];
    await admin.config('RESETSTAT');
    // Callers 0, 1, ..., 9, then 0 to 9 again: one call, every caller twice in it.
    const results = await Promise.all(
      [...callers, ...callers].map((key) => store.consume({ key, algorithm: 'sliding_window', limits: two, cost: 1 })),
    );
    expect(await scriptCalls()).toBe(Math.ceil(20 / MAX_BATCH));
    expect(results.map((r) => r.limits.map((l) => l.remaining))).toEqual([
      ...callers.map(() => [2, 4]),
      ...callers.map(() => [1, 3]),
    ]);
  });

  it("keeps each consume under its own limits and penalty when one caller's consumes share a call", async () => {
    const key = freshKey();
    const five: LimitSpec[] = [{ limit: 5, windowMs: HOUR }];
    const hundred: LimitSpec[] = [{ limit: 100, windowMs: HOUR }];
    // The same caller under a rule that changed between two requests of one turn.
    await admin.config('RESETSTAT');
    const results = await Promise.all([
      store.consume({ key, algorithm: 'fixed_window', limits: five, cost: 1 }),
      store.consume({ key, algorithm: 'fixed_window', limits: hundred, cost: 1 }),
      store.consume({ key, algorithm: 'fixed_window', limits: hundred, cost: 1 }),
    ]);
    expect(await scriptCalls()).toBe(1);
    expect(results.map((r) => [r.limits[0]!.limit, r.limits[0]!.remaining])).toEqual([
      [5, 4],
      [100, 98],
      [100, 97],
    ]);

    const penalized = freshKey();
    const one: LimitSpec[] = [{ limit: 1, windowMs: HOUR }];
    const penalty: Penalty = { blockDurationMs: HOUR, multiplier: 1, decayMs: HOUR, maxBlockMs: HOUR };
    const [first, second, third] = await Promise.all([
      store.consume({ key: penalized, algorithm: 'fixed_window', limits: one, cost: 1 }),
      store.consume({ key: penalized, algorithm: 'fixed_window', limits: one, cost: 1, penalty }),
      store.consume({ key: penalized, algorithm: 'fixed_window', limits: one, cost: 1 }),
    ]);
    expect(first!.allowed).toBe(true);
    // Refused under its own penalty, which blocks; the consumes around it carry none.
    expect(second!.allowed).toBe(false);
    expect(second!.blockedUntil).toBeGreaterThan(Date.now());
    expect(third!.allowed).toBe(false);
    expect(third!.blockedUntil).toBeUndefined();
  });

  it.each(['sliding_window', 'token_bucket', 'gcra'] as const)(
    '%s: answers consumes of interleaved rules and shapes in one call as it answers them one at a time',
    async (algorithm) => {
      const one: LimitSpec[] = [{ limit: 4, windowMs: HOUR }];
      const two: LimitSpec[] = [
        { limit: 6, windowMs: HOUR },
        { limit: 3, windowMs: 2 * HOUR, burst: 2 },
      ];
      const penalty: Penalty = { blockDurationMs: HOUR, multiplier: 2, decayMs: HOUR, maxBlockMs: 2 * HOUR };
      // Argument lists A, B, A, C, B, A, C...: shared ones neither first nor next to each other.
      const shapes = [
        { limits: one, cost: 1 },
        { limits: two, cost: 1 },
        { limits: one, cost: 1 },
        { limits: one, cost: 2, penalty },
        { limits: two, cost: 1 },
        { limits: one, cost: 1 },
        { limits: one, cost: 2, penalty },
        { limits: two, cost: 0 },
      ];
      const run = (key: string, shape: (typeof shapes)[number]) => store.consume({ key, algorithm, ...shape });
      const outcome = (r: Awaited<ReturnType<typeof run>>) => [
        r.allowed,
        r.limits.map((l) => l.remaining),
        r.blockedUntil !== undefined,
      ];
      const [batchedKey, aloneKey] = [freshKey(), freshKey()];
      await admin.config('RESETSTAT');
      const batched = await Promise.all(shapes.map((shape) => run(batchedKey, shape)));
      expect(await scriptCalls()).toBe(1);
      const alone = [];
      for (const shape of shapes) alone.push(await run(aloneKey, shape));
      expect(batched.map(outcome)).toEqual(alone.map(outcome));
      // Not a trivial sequence: some allowed, some refused, one blocked.
      expect(new Set(alone.map((r) => r.allowed))).toEqual(new Set([true, false]));
      expect(alone.some((r) => r.blockedUntil !== undefined)).toBe(true);
    },
  );

  it('with a penalty, reads one key more (and writes nothing more while allowed)', async () => {
    const key = freshKey();
    const penalty: Penalty = { blockDurationMs: 1_000, multiplier: 1, decayMs: 1_000, maxBlockMs: 1_000 };
    await store.consume({ key, algorithm: 'fixed_window', limits, cost: 1, penalty });
    await admin.config('RESETSTAT');
    for (let i = 0; i < 10; i++) await store.consume({ key, algorithm: 'fixed_window', limits, cost: 1, penalty });
    const { info: _info, ...byCommand } = await calls();
    expect(byCommand).toEqual({ evalsha: 10, time: 10, get: 20, set: 10 });
  });
});

describe('script cache loss on a cluster', () => {
  let store: RedisRateLimitStore;
  let nodes: Redis[];

  beforeAll(async () => {
    store = await openStore(CLUSTER);
    nodes = CLUSTER_PORTS.map((port) => new Redis(port, '127.0.0.1'));
  });
  afterAll(async () => {
    await store.close();
    await Promise.all(nodes.map((node) => node.quit()));
  });

  const noscriptErrors = async () => {
    let total = 0;
    for (const node of nodes) {
      const match = /errorstat_NOSCRIPT:count=(\d+)/.exec(await node.info('errorstats'));
      total += match ? Number(match[1]) : 0;
    }
    return total;
  };

  it('reloads the scripts transparently after SCRIPT FLUSH on every node, for many calls in flight at once', async () => {
    // Many keys, so every node (slot range) and every algorithm is involved. fixed_window counts in
    // epoch-aligned windows: both rounds must fall in one (a minute's window once made half of its
    // keys start afresh in the second round), so an hour's, and not in its last 10 s.
    const windowMs = 3_600_000;
    const left = windowMs - (Date.now() % windowMs);
    if (left < 10_000) await sleep(left + 100);
    const requests = Array.from({ length: 60 }, (_, i) => ({
      key: freshKey(),
      algorithm: RATE_ALGORITHMS[i % RATE_ALGORITHMS.length] as Algorithm,
      limits: [{ limit: 5, windowMs }],
      cost: 1,
    }));
    const first = await Promise.all(requests.map((r) => store.consume(r)));
    // All of the first round, exactly once each (so that a wrong second round below is the flush's).
    expect(first.map((r) => [r.allowed, r.limits[0]!.remaining])).toEqual(requests.map(() => [true, 4]));

    await Promise.all(nodes.map((node) => node.config('RESETSTAT')));
    await Promise.all(nodes.map((node) => node.script('FLUSH')));

    const again = await Promise.all(requests.map((r) => store.consume(r)));
    expect(again.map((r) => r.limits[0]!.remaining)).toEqual(requests.map(() => 3));
    // It really went through NOSCRIPT and back, not around it.
    expect(await noscriptErrors()).toBeGreaterThan(0);
  }, 20_000);
});
