/**
 * The store contract: the executable spec every `RateLimitStore` must pass (memory, single Redis,
 * Redis Cluster). Time is the store's own (Redis `TIME` for Redis), so tests that need a window to
 * pass use short windows and real waits with wide margins.
 */
import { randomUUID } from 'node:crypto';
import { ALGORITHMS, type Algorithm, type LimitSpec } from '../algorithms.js';
import type { ConsumeResult, RateLimitStore } from './rate-limit.store.js';
import { baseKey } from './store-key.js';

export interface StoreUnderTest {
  store: RateLimitStore;
  /** Called after the suite; closes what the factory opened. */
  dispose?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EXACT: readonly Algorithm[] = ['sliding_window', 'sliding_log', 'fixed_window', 'token_bucket'];
const MINUTE = 60_000;

export function describeStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    const freshKey = () => baseKey('fgtest', 'contract', randomUUID());
    const consume = (key: string, algorithm: Algorithm, limits: LimitSpec[], cost = 1): Promise<ConsumeResult> =>
      subject.store.consume({ key, algorithm, limits, cost });

    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject.dispose?.();
    });

    it('answers ping', async () => {
      await expect(subject.store.ping()).resolves.toBeUndefined();
    });

    describe.each(ALGORITHMS)('%s', (algorithm) => {
      it('lets a fresh key take exactly `limit` at once, then denies', async () => {
        const key = freshKey();
        const limits = [{ limit: 5, windowMs: MINUTE }];
        const remaining: number[] = [];
        for (let i = 0; i < 5; i++) {
          const r = await consume(key, algorithm, limits);
          expect(r.allowed).toBe(true);
          expect(r.retryAfterMs).toBe(0);
          remaining.push(r.limits[0]!.remaining);
        }
        expect(remaining).toEqual([4, 3, 2, 1, 0]);
        const denied = await consume(key, algorithm, limits);
        expect(denied.allowed).toBe(false);
        expect(denied.limits[0]!.remaining).toBe(0);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        // A sliding window full in this window fits again only once the next window has weighed
        // enough of it out: up to two windows away.
        expect(denied.retryAfterMs).toBeLessThanOrEqual(algorithm === 'sliding_window' ? 2 * MINUTE : MINUTE);
      });

      it('reports the limit, the window, the store clock and a bounded reset', async () => {
        const before = Date.now();
        const r = await consume(freshKey(), algorithm, [{ limit: 3, windowMs: 10_000 }]);
        expect(r.limits).toHaveLength(1);
        expect(r.limits[0]).toMatchObject({ limit: 3, windowMs: 10_000, remaining: 2 });
        expect(r.limits[0]!.resetMs).toBeGreaterThan(0);
        expect(r.limits[0]!.resetMs).toBeLessThanOrEqual(20_000);
        // Same machine, so the store clock is close to ours.
        expect(Math.abs(r.nowMs - before)).toBeLessThan(5_000);
      });

      it('consumes nothing when it denies', async () => {
        const key = freshKey();
        const limits = [{ limit: 3, windowMs: MINUTE }];
        expect((await consume(key, algorithm, limits, 2)).allowed).toBe(true);
        const denied = await consume(key, algorithm, limits, 2);
        expect(denied.allowed).toBe(false);
        expect(denied.limits[0]!.remaining).toBe(1);
        const last = await consume(key, algorithm, limits, 1);
        expect(last.allowed).toBe(true);
        expect(last.limits[0]!.remaining).toBe(0);
      });

      it('reports without consuming when cost is 0, even when exhausted', async () => {
        const key = freshKey();
        const limits = [{ limit: 5, windowMs: MINUTE }];
        await consume(key, algorithm, limits, 2);
        for (let i = 0; i < 3; i++) {
          const r = await consume(key, algorithm, limits, 0);
          expect(r.allowed).toBe(true);
          expect(r.limits[0]!.remaining).toBe(3);
        }
        await consume(key, algorithm, limits, 3);
        const r = await consume(key, algorithm, limits, 0);
        expect(r.allowed).toBe(true);
        expect(r.limits[0]!.remaining).toBe(0);
      });

      it('denies a cost larger than the capacity with retryAfterMs = the largest window', async () => {
        const r = await consume(
          freshKey(),
          algorithm,
          [
            { limit: 5, windowMs: 1_000 },
            { limit: 100, windowMs: MINUTE },
          ],
          6,
        );
        expect(r.allowed).toBe(false);
        expect(r.retryAfterMs).toBe(MINUTE);
      });

      it('enforces several limits atomically: if one would be exceeded nothing is consumed', async () => {
        const key = freshKey();
        const limits = [
          { limit: 5, windowMs: MINUTE },
          { limit: 2, windowMs: 30_000 },
        ];
        expect((await consume(key, algorithm, limits)).allowed).toBe(true);
        expect((await consume(key, algorithm, limits)).allowed).toBe(true);
        const denied = await consume(key, algorithm, limits);
        expect(denied.allowed).toBe(false);
        expect(denied.limits.map((l) => l.remaining)).toEqual([3, 0]);
        // The longer limit still has 3: the denied request took nothing from it.
        const report = await consume(key, algorithm, limits, 0);
        expect(report.limits.map((l) => l.remaining)).toEqual([3, 0]);
      });

      it('keeps callers and algorithms apart', async () => {
        const a = freshKey();
        const b = freshKey();
        const limits = [{ limit: 1, windowMs: MINUTE }];
        expect((await consume(a, algorithm, limits)).allowed).toBe(true);
        expect((await consume(a, algorithm, limits)).allowed).toBe(false);
        expect((await consume(b, algorithm, limits)).allowed).toBe(true);
        const other = algorithm === 'gcra' ? 'fixed_window' : 'gcra';
        expect((await consume(a, other, limits)).allowed).toBe(true);
      });

      it('allows again once the wait it announced has passed', async () => {
        const key = freshKey();
        const limits = [{ limit: 2, windowMs: 400 }];
        await consume(key, algorithm, limits);
        await consume(key, algorithm, limits);
        const denied = await consume(key, algorithm, limits);
        expect(denied.allowed).toBe(false);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(800);
        await sleep(denied.retryAfterMs + 60);
        expect((await consume(key, algorithm, limits)).allowed).toBe(true);
      });

      it('never admits more than the limit under concurrency', async () => {
        const key = freshKey();
        const limits = [{ limit: 20, windowMs: MINUTE }];
        const results = await Promise.all(Array.from({ length: 60 }, () => consume(key, algorithm, limits)));
        const allowed = results.filter((r) => r.allowed).length;
        if (EXACT.includes(algorithm)) expect(allowed).toBe(20);
        else expect(allowed).toBeLessThanOrEqual(20);
        expect(allowed).toBeGreaterThan(0);
      });
    });

    describe.each(['token_bucket', 'gcra'] as const)('%s with burst', (algorithm) => {
      it('lets a fresh key take `burst` at once, not `limit`', async () => {
        const key = freshKey();
        const limits = [{ limit: 100, windowMs: MINUTE, burst: 3 }];
        const allowed = [];
        for (let i = 0; i < 5; i++) allowed.push((await consume(key, algorithm, limits)).allowed);
        expect(allowed).toEqual([true, true, true, false, false]);
      });
    });

    describe.each(EXACT)('%s when the limit changes', (algorithm) => {
      it('keeps what was already used', async () => {
        const key = freshKey();
        await consume(key, algorithm, [{ limit: 5, windowMs: MINUTE }], 3);
        const raised = await consume(key, algorithm, [{ limit: 10, windowMs: MINUTE }], 0);
        expect(raised.limits[0]!.remaining).toBe(7);
        const lowered = await consume(key, algorithm, [{ limit: 4, windowMs: MINUTE }], 0);
        expect(lowered.limits[0]!.remaining).toBe(1);
      });
    });

    it('sliding_log counts requests made in the same millisecond separately', async () => {
      const key = freshKey();
      const limits = [{ limit: 3, windowMs: MINUTE }];
      const results = await Promise.all([1, 2, 3, 4].map(() => consume(key, 'sliding_log', limits)));
      expect(results.filter((r) => r.allowed)).toHaveLength(3);
      expect((await consume(key, 'sliding_log', limits, 0)).limits[0]!.remaining).toBe(0);
    });

    it('sliding_window weighs the previous window as it slides out', async () => {
      const key = freshKey();
      const limits = [{ limit: 10, windowMs: 1_000 }];
      // Wait for the start of a fresh window so the whole burst lands in one window.
      const { nowMs } = await consume(key, 'sliding_window', limits, 0);
      await sleep(1_000 - (nowMs % 1_000) + 20);
      expect((await consume(key, 'sliding_window', limits, 10)).allowed).toBe(true);
      await sleep(1_500);
      // ~0.5 s into the next window: about half of the previous window's 10 still weigh.
      const r = await consume(key, 'sliding_window', limits, 0);
      expect(r.limits[0]!.remaining).toBeGreaterThanOrEqual(1);
      expect(r.limits[0]!.remaining).toBeLessThanOrEqual(9);
    });
  });
}
