/**
 * `BaseRateLimitStore`: a store that writes only `transact` and `ping` (here Redis used as a plain
 * key-value storage with optimistic transactions, no Lua) passes the whole store contract, taken from
 * the entry store authors get, and stays exact when nodes race.
 */
import { randomUUID } from 'node:crypto';
import type { LimitSpec } from '../../src/limiter/index.js';
import { baseKey } from '../../src/limiter/store/store-key.js';
import { describeStoreContract } from '../../src/limiter/testing.js';
import { OptimisticRedisStore } from './support/optimistic-redis.store.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const freshKey = () => baseKey('fgtest', 'base-store', randomUUID());

describeStoreContract('a BaseRateLimitStore over Redis transactions', async () => {
  const store = new OptimisticRedisStore(REDIS_URL);
  return { store, dispose: () => store.close() };
});

describe('BaseRateLimitStore', () => {
  const nodes = [new OptimisticRedisStore(REDIS_URL), new OptimisticRedisStore(REDIS_URL)];
  const [store] = nodes as [OptimisticRedisStore, OptimisticRedisStore];
  const limits: LimitSpec[] = [{ limit: 10, windowMs: 60_000 }];

  afterAll(() => Promise.all(nodes.map((node) => node.close())));

  it('admits exactly the limit when two nodes race on one key, penalties and all', async () => {
    const key = freshKey();
    const penalty = { blockDurationMs: 60_000, multiplier: 2, decayMs: 60_000, maxBlockMs: 600_000 };
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        nodes[i % 2]!.consume({ key, algorithm: 'sliding_window', limits, cost: 1, penalty }),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    // Every refusal after the first found the block the first one started: one offence, not 50.
    const blocks = new Set(results.filter((r) => !r.allowed).map((r) => r.blockedUntil));
    expect(blocks.size).toBe(1);
    // The races were real: some transaction found its keys changed and ran again.
    expect(nodes.reduce((sum, node) => sum + node.conflicts, 0)).toBeGreaterThan(0);
  });

  it.each([-1, 1.5, Number.NaN])('refuses a cost of %p before touching the storage', async (cost) => {
    await expect(store.consume({ key: freshKey(), algorithm: 'gcra', limits, cost })).rejects.toThrow(
      'cost must be an integer >= 0',
    );
    await expect(
      store.refund({ key: freshKey(), algorithm: 'gcra', limits, cost, consumedAtMs: Date.now() }),
    ).rejects.toThrow('cost must be an integer >= 0');
  });

  it('refuses a request without limits, and a release without its lease id', async () => {
    await expect(store.consume({ key: freshKey(), algorithm: 'gcra', limits: [], cost: 1 })).rejects.toThrow(
      'A consume takes 1 to',
    );
    const concurrency = { key: freshKey(), algorithm: 'concurrency' as const, limits: [{ limit: 1, windowMs: 1_000 }] };
    await expect(store.release({ ...concurrency, leaseId: '' })).rejects.toThrow('leaseId');
  });
});
