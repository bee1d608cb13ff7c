import { randomUUID } from 'node:crypto';
import {
  ALGORITHMS,
  RATE_ALGORITHMS,
  type Algorithm,
  type LimitSpec,
  type Penalty,
  type RateAlgorithm,
} from '../../src/limiter/algorithms.js';
import { MemoryRateLimitStore } from '../../src/limiter/store/memory/memory.store.js';
import type { ConsumeResult } from '../../src/limiter/store/rate-limit.store.js';
import { describeStoreContract } from '../../src/limiter/store/store.contract.js';
import { baseKey } from '../../src/limiter/store/store-key.js';

describeStoreContract('memory', async () => {
  // On a clock the suite moves: its waits (windows, leases, blocks) then take no time.
  let now = Date.now();
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const store = new MemoryRateLimitStore({ now: clock.now });
  return { store, clock, dispose: () => store.close() };
});

/** A clock the test moves by hand, started on a round epoch so window boundaries are predictable. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freshKey = () => baseKey('fgtest', 'memory', randomUUID());

describe('MemoryRateLimitStore', () => {
  let clock: ReturnType<typeof manualClock>;
  let store: MemoryRateLimitStore;
  const consume = (key: string, algorithm: Algorithm, limits: LimitSpec[], cost = 1) =>
    store.consume({ key, algorithm, limits, cost });

  beforeEach(() => {
    clock = manualClock();
    store = new MemoryRateLimitStore({ now: clock.now, sweepIntervalMs: 0 });
  });
  afterEach(() => store.close());

  describe('consumeNow', () => {
    it.each(ALGORITHMS)('%s: answers synchronously what consume answers, and counts the same', async (algorithm) => {
      const twin = new MemoryRateLimitStore({ now: clock.now, sweepIntervalMs: 0 });
      try {
        const key = freshKey();
        const limits = [{ limit: 3, windowMs: 10_000 }];
        for (let i = 0; i < 5; i++) {
          const now = store.consumeNow({ key, algorithm, limits, cost: 1 });
          expect(now).not.toBeInstanceOf(Promise);
          const later = await twin.consume({ key, algorithm, limits, cost: 1 });
          expect({ ...now, leaseId: undefined }).toEqual({ ...later, leaseId: undefined });
          clock.advance(100);
        }
        expect(store.consumeNow({ key, algorithm, limits, cost: 0 }).limits[0]!.remaining).toBe(0);
      } finally {
        await twin.close();
      }
    });

    it('throws what consume rejects with', async () => {
      const request = { key: freshKey(), algorithm: 'concurrency' as const, limits: [], cost: 1 };
      expect(() => store.consumeNow(request)).toThrow(/exactly 1 limit|1 to/);
      await expect(store.consume(request)).rejects.toThrow(/exactly 1 limit|1 to/);
    });
  });

  describe('over window boundaries (controllable clock)', () => {
    const W = 1_000;
    const limits = [{ limit: 4, windowMs: W }];

    it('fixed_window: resets exactly at the epoch-aligned boundary', async () => {
      clock.set(1_700_000_000_900);
      const key = freshKey();
      expect((await consume(key, 'fixed_window', limits, 4)).allowed).toBe(true);
      const denied = await consume(key, 'fixed_window', limits);
      expect(denied).toMatchObject({ allowed: false, retryAfterMs: 100 });
      expect(denied.limits[0]!.resetMs).toBe(100);
      clock.advance(99);
      expect((await consume(key, 'fixed_window', limits)).allowed).toBe(false);
      clock.advance(1);
      const next = await consume(key, 'fixed_window', limits);
      expect(next.allowed).toBe(true);
      expect(next.limits[0]!.remaining).toBe(3);
    });

    it('sliding_window: weighs the previous window linearly and announces the exact wait', async () => {
      const key = freshKey();
      expect((await consume(key, 'sliding_window', limits, 4)).allowed).toBe(true);
      // Same window, full: the wait reaches into the next window, until 1 of the 4 has slid out.
      const denied = await consume(key, 'sliding_window', limits);
      expect(denied.retryAfterMs).toBe(W + W / 4);
      expect(denied.limits[0]!.resetMs).toBe(2 * W);
      clock.advance(W + W / 4 - 1);
      expect((await consume(key, 'sliding_window', limits)).allowed).toBe(false);
      clock.advance(1);
      const allowed = await consume(key, 'sliding_window', limits);
      expect(allowed.allowed).toBe(true);
      expect(allowed.limits[0]!.remaining).toBe(0);
      // Now 3 weigh from before and 1 counts now; halfway through the window the old ones weigh 2.
      clock.advance(W / 4);
      expect((await consume(key, 'sliding_window', limits, 0)).limits[0]!.remaining).toBe(1);
      // 2 more fit in this window once the previous 4 weigh 1, at 3/4 of it.
      const two = await consume(key, 'sliding_window', limits, 2);
      expect(two).toMatchObject({ allowed: false, retryAfterMs: W / 4 });
    });

    it('sliding_window: forgets everything after two windows', async () => {
      const key = freshKey();
      await consume(key, 'sliding_window', limits, 4);
      clock.advance(2 * W);
      const r = await consume(key, 'sliding_window', limits, 0);
      expect(r.limits[0]).toMatchObject({ remaining: 4, resetMs: 0 });
    });

    it('sliding_log: frees each unit exactly one window after it was taken', async () => {
      const key = freshKey();
      await consume(key, 'sliding_log', limits, 2);
      clock.advance(300);
      await consume(key, 'sliding_log', limits, 2);
      const denied = await consume(key, 'sliding_log', limits, 3);
      // 3 more need 3 of the 4 to expire: the two first at +1000, the third at +1300.
      expect(denied).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
      expect(denied.limits[0]!.resetMs).toBe(W);
      clock.advance(699);
      expect((await consume(key, 'sliding_log', limits, 2)).allowed).toBe(false);
      clock.advance(1);
      expect((await consume(key, 'sliding_log', limits, 2)).allowed).toBe(true);
    });

    it('token_bucket: refills continuously and never above capacity', async () => {
      const key = freshKey();
      const bucket = [{ limit: 4, windowMs: W, burst: 2 }];
      expect((await consume(key, 'token_bucket', bucket, 2)).allowed).toBe(true);
      const denied = await consume(key, 'token_bucket', bucket);
      expect(denied).toMatchObject({ allowed: false, retryAfterMs: W / 4 });
      expect(denied.limits[0]!.resetMs).toBe(W / 2);
      clock.advance(W / 4);
      expect((await consume(key, 'token_bucket', bucket)).allowed).toBe(true);
      clock.advance(10 * W);
      const idle = await consume(key, 'token_bucket', bucket, 0);
      expect(idle.limits[0]).toMatchObject({ remaining: 2, resetMs: 0 });
    });

    it('gcra: spaces requests by windowMs/limit once the tolerance is used', async () => {
      const key = freshKey();
      expect((await consume(key, 'gcra', limits, 4)).allowed).toBe(true);
      const denied = await consume(key, 'gcra', limits);
      expect(denied).toMatchObject({ allowed: false, retryAfterMs: W / 4 });
      expect(denied.limits[0]!.resetMs).toBe(W);
      clock.advance(W / 4);
      expect((await consume(key, 'gcra', limits)).allowed).toBe(true);
      expect((await consume(key, 'gcra', limits)).allowed).toBe(false);
      clock.advance(W);
      expect((await consume(key, 'gcra', limits, 0)).limits[0]).toMatchObject({ remaining: 4, resetMs: 0 });
    });

    it.each(RATE_ALGORITHMS)('%s: waiting exactly the announced retryAfterMs always fits', async (algorithm) => {
      const key = freshKey();
      const odd = [{ limit: 7, windowMs: 3_001 }];
      clock.advance(1_234);
      let denials = 0;
      for (let i = 0; i < 50; i++) {
        const r = await consume(key, algorithm, odd, 1 + (i % 3));
        if (!r.allowed) {
          denials++;
          clock.advance(r.retryAfterMs);
          expect((await consume(key, algorithm, odd, 1 + (i % 3))).allowed).toBe(true);
        }
        clock.advance(97);
      }
      expect(denials).toBeGreaterThan(5);
    });
  });

  describe('penalties (controllable clock)', () => {
    const HOUR = 3_600_000;
    // Always over the limit once one unit is taken: every refusal below is an offence.
    const limits = [{ limit: 1, windowMs: HOUR }];
    const offend = (key: string, penalty: Penalty) =>
      store.consume({ key, algorithm: 'fixed_window', limits, cost: 1, penalty });
    const blockOf = (r: ConsumeResult) => r.blockedUntil! - r.nowMs;

    it('multiplies each repeat offence, and forgets them decayMs after the last block ended', async () => {
      const key = freshKey();
      const penalty: Penalty = { blockDurationMs: 1_000, multiplier: 2, decayMs: 5_000, maxBlockMs: HOUR };
      await offend(key, penalty);
      expect(blockOf(await offend(key, penalty))).toBe(1_000);
      // Decay runs from the block's end: 1 ms before it is over, the offence still counts.
      clock.advance(1_000 + 4_999);
      expect(blockOf(await offend(key, penalty))).toBe(2_000);
      clock.advance(2_000 + 4_999);
      expect(blockOf(await offend(key, penalty))).toBe(4_000);
      clock.advance(4_000 + 5_000);
      expect(blockOf(await offend(key, penalty))).toBe(1_000);
    });

    it('caps the block at maxBlockMs however many offences', async () => {
      const key = freshKey();
      const penalty: Penalty = { blockDurationMs: 1_000, multiplier: 100, decayMs: HOUR, maxBlockMs: 5_000 };
      await offend(key, penalty);
      const blocks: number[] = [];
      for (let i = 0; i < 40; i++) {
        const refused = await offend(key, penalty);
        blocks.push(blockOf(refused));
        clock.advance(blockOf(refused));
      }
      expect(blocks.slice(0, 3)).toEqual([1_000, 5_000, 5_000]);
      expect(new Set(blocks.slice(1))).toEqual(new Set([5_000]));
    });

    it('neither extends a block nor counts an offence for requests made during it', async () => {
      const key = freshKey();
      const penalty: Penalty = { blockDurationMs: 1_000, multiplier: 2, decayMs: HOUR, maxBlockMs: HOUR };
      await offend(key, penalty);
      const first = await offend(key, penalty);
      for (let i = 0; i < 10; i++) {
        clock.advance(50);
        const during = await offend(key, penalty);
        expect(during).toMatchObject({ allowed: false, blockedUntil: first.blockedUntil });
        expect(during.retryAfterMs).toBe(HOUR - (during.nowMs % HOUR));
      }
      clock.set(first.blockedUntil!);
      expect(blockOf(await offend(key, penalty))).toBe(2_000);
    });

    it('announces the block when it is the longer wait, the limits otherwise', async () => {
      const key = freshKey();
      const penalty: Penalty = { blockDurationMs: 5_000, multiplier: 1, decayMs: 5_000, maxBlockMs: 5_000 };
      const short = [{ limit: 1, windowMs: 1_000 }];
      await store.consume({ key, algorithm: 'fixed_window', limits: short, cost: 1, penalty });
      const refused = await store.consume({ key, algorithm: 'fixed_window', limits: short, cost: 1, penalty });
      expect(refused).toMatchObject({ retryAfterMs: 5_000, blockedUntil: refused.nowMs + 5_000 });
      clock.advance(5_000);
      expect((await store.consume({ key, algorithm: 'fixed_window', limits: short, cost: 1, penalty })).allowed).toBe(
        true,
      );
    });

    it('is swept once forgotten: with multiplier 1 when the block ends, else decayMs later', async () => {
      const fixed: Penalty = { blockDurationMs: 1_000, multiplier: 1, decayMs: 10_000, maxBlockMs: 1_000 };
      const growing: Penalty = { ...fixed, multiplier: 2, maxBlockMs: HOUR };
      for (const penalty of [fixed, growing]) {
        const key = freshKey();
        await offend(key, penalty);
        await offend(key, penalty);
      }
      expect(store.size).toBe(4);
      clock.advance(1_000);
      store.sweep();
      expect(store.size).toBe(3);
      clock.advance(10_000);
      store.sweep();
      expect(store.size).toBe(2);
    });
  });

  describe('concurrency (controllable clock)', () => {
    const acquire = (key: string, cost = 1) =>
      store.consume({ key, algorithm: 'concurrency', limits: [{ limit: 2, windowMs: 1_500 }], cost });

    it('tells a refused caller to retry when the oldest lease expires, or in 1 s at most', async () => {
      const key = freshKey();
      await acquire(key);
      clock.advance(200);
      await acquire(key);
      expect(await acquire(key)).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
      clock.advance(1_000);
      expect(await acquire(key)).toMatchObject({ allowed: false, retryAfterMs: 300 });
      clock.advance(299);
      expect((await acquire(key)).allowed).toBe(false);
      clock.advance(1);
      const next = await acquire(key);
      expect(next).toMatchObject({ allowed: true, limits: [{ remaining: 0, resetMs: 1_500 }] });
    });

    it('sweeps a key once its newest lease has expired', async () => {
      await acquire(freshKey());
      expect(store.size).toBe(1);
      clock.advance(1_499);
      store.sweep();
      expect(store.size).toBe(1);
      clock.advance(1);
      store.sweep();
      expect(store.size).toBe(0);
    });
  });

  describe('refunds (controllable clock)', () => {
    const W = 1_000;
    const limits = [{ limit: 4, windowMs: W }];
    const refund = (key: string, algorithm: RateAlgorithm, cost: number, consumedAtMs: number) =>
      store.refund({ key, algorithm, limits, cost, consumedAtMs });
    const remaining = async (key: string, algorithm: RateAlgorithm) =>
      (await consume(key, algorithm, limits, 0)).limits[0]!.remaining;

    it('fixed_window: not one millisecond into the next window', async () => {
      clock.set(1_700_000_000_999);
      const key = freshKey();
      const taken = await consume(key, 'fixed_window', limits, 4);
      clock.advance(1);
      await consume(key, 'fixed_window', limits, 3);
      await refund(key, 'fixed_window', 4, taken.nowMs);
      expect(await remaining(key, 'fixed_window')).toBe(1);
    });

    it('sliding_window: into the previous window, where the units weigh what is left of it', async () => {
      const key = freshKey();
      const taken = await consume(key, 'sliding_window', limits, 4);
      clock.advance(W + W / 4);
      await consume(key, 'sliding_window', limits, 1);
      // 4 x 3/4 + 1 = 4 used; giving 2 back to the previous window leaves 2 x 3/4 + 1 = 2.5.
      await refund(key, 'sliding_window', 2, taken.nowMs);
      expect(await remaining(key, 'sliding_window')).toBe(1);
      clock.advance(W);
      // Now that window is gone, and the refund reaches nothing.
      await refund(key, 'sliding_window', 2, taken.nowMs);
      expect(await remaining(key, 'sliding_window')).toBe(3);
    });

    it('token_bucket: what has refilled meanwhile is not given back twice', async () => {
      const key = freshKey();
      const taken = await consume(key, 'token_bucket', limits, 4);
      clock.advance(W / 2);
      expect(await remaining(key, 'token_bucket')).toBe(2);
      await refund(key, 'token_bucket', 4, taken.nowMs);
      expect(await remaining(key, 'token_bucket')).toBe(4);
      expect((await consume(key, 'token_bucket', limits, 4)).allowed).toBe(true);
      expect((await consume(key, 'token_bucket', limits, 1)).allowed).toBe(false);
    });

    it('gcra: the TAT goes back, never before now', async () => {
      const key = freshKey();
      await consume(key, 'gcra', limits, 4);
      const taken = await consume(key, 'gcra', limits, 0);
      clock.advance(W / 4);
      await refund(key, 'gcra', 2, taken.nowMs);
      expect(await remaining(key, 'gcra')).toBe(3);
      await refund(key, 'gcra', 100, taken.nowMs);
      expect((await consume(key, 'gcra', limits, 0)).limits[0]).toMatchObject({ remaining: 4, resetMs: 0 });
    });
  });

  describe('memory bounds', () => {
    it('sweep() drops drained keys and keeps the live ones', async () => {
      const short = [{ limit: 5, windowMs: 1_000 }];
      const long = [{ limit: 5, windowMs: 60_000 }];
      for (const algorithm of ALGORITHMS) {
        await consume(freshKey(), algorithm, short);
        await consume(freshKey(), algorithm, long);
      }
      expect(store.size).toBe(2 * ALGORITHMS.length);
      clock.advance(2_000);
      store.sweep();
      expect(store.size).toBe(ALGORITHMS.length);
      clock.advance(120_000);
      store.sweep();
      expect(store.size).toBe(0);
    });

    it('never stores a key for a report or a denial', async () => {
      await consume(freshKey(), 'sliding_window', [{ limit: 5, windowMs: 1_000 }], 0);
      await consume(freshKey(), 'sliding_window', [{ limit: 5, windowMs: 1_000 }], 6);
      expect(store.size).toBe(0);
    });

    it('sweeps by itself on one interval', async () => {
      const timed = new MemoryRateLimitStore({ sweepIntervalMs: 20 });
      try {
        await timed.consume({
          key: freshKey(),
          algorithm: 'fixed_window',
          limits: [{ limit: 1, windowMs: 10 }],
          cost: 1,
        });
        expect(timed.size).toBe(1);
        await sleep(150);
        expect(timed.size).toBe(0);
      } finally {
        await timed.close();
      }
    });

    it('keeps at most maxKeys, evicting the oldest key not used since (second chance)', async () => {
      const bounded = new MemoryRateLimitStore({ maxKeys: 3, now: clock.now, sweepIntervalMs: 0 });
      const limits = [{ limit: 1, windowMs: 60_000 }];
      const take = (key: string) => bounded.consume({ key, algorithm: 'fixed_window', limits, cost: 1 });
      const [a, b, c, d] = [freshKey(), freshKey(), freshKey(), freshKey()];
      await take(a!);
      await take(b!);
      await take(c!);
      // `a` is used again (denied), so `b` is now the least recently used.
      expect((await take(a!)).allowed).toBe(false);
      await take(d!);
      expect(bounded.size).toBe(3);
      expect((await take(a!)).allowed).toBe(false);
      expect((await take(b!)).allowed).toBe(true);
      await bounded.close();
    });

    it('rejects a request without limits or with too many', async () => {
      await expect(consume(freshKey(), 'gcra', [])).rejects.toThrow('1 to 5 limits');
      const six = [1, 2, 3, 4, 5, 6].map((s) => ({ limit: 1, windowMs: s * 1_000 }));
      await expect(consume(freshKey(), 'gcra', six)).rejects.toThrow('1 to 5 limits');
    });

    it('close() is idempotent', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
});
