import { randomUUID } from 'node:crypto';
import { ALGORITHMS, type Algorithm, type LimitSpec } from '../../src/limiter/algorithms.js';
import { MemoryRateLimitStore } from '../../src/limiter/store/memory/memory.store.js';
import { describeStoreContract } from '../../src/limiter/store/store.contract.js';
import { baseKey } from '../../src/limiter/store/store-key.js';

describeStoreContract('memory', async () => {
  const store = new MemoryRateLimitStore();
  return { store, dispose: () => store.close() };
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

    it.each(ALGORITHMS)('%s: waiting exactly the announced retryAfterMs always fits', async (algorithm) => {
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

    it('keeps at most maxKeys, evicting the least recently used', async () => {
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
