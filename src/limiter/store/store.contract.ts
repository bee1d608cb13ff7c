/**
 * The store contract: the executable spec every `RateLimitStore` must pass (memory, single Redis,
 * Redis Cluster, Redis through Sentinel). Time is the store's own (Redis `TIME` for Redis): a store
 * on a controllable clock lets the suite move it (`clock`); the others get short windows, leases
 * and blocks, and real waits with wide margins.
 *
 * Exported for stores of your own as `@floodgate/limiter/testing` (Jest, the Nest default; the
 * suite imports `@jest/globals`, so call it from a Jest test file).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RATE_ALGORITHMS, type Algorithm, type LimitSpec, type Penalty } from '../algorithms.js';
import { CONCURRENCY_MAX_RETRY_MS, type ConsumeResult, type RateLimitStore } from './rate-limit.store.js';
import { baseKey, groupedBaseKey, limitKey } from './store-key.js';

/**
 * What the suite tests: a store, how to dispose of it, and its clock when the test controls it.
 *
 * @publicApi
 */
export interface StoreUnderTest {
  /** The store under test, used by every test of the suite (each on keys of its own). */
  store: RateLimitStore;
  /** Called after the suite; closes what the factory opened. */
  dispose?: () => Promise<void>;
  /** The store's clock when the test controls it: waits then move it instead of sleeping. */
  clock?: { now(): number; advance(ms: number): void };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const EXACT: readonly Algorithm[] = ['sliding_window', 'sliding_log', 'fixed_window', 'token_bucket'];
const MINUTE = 60_000;

/**
 * Declares the contract's tests (a `describe` block named after `name`) for the store `make`
 * builds once, before them. Every `RateLimitStore` must pass it: the memory and Redis stores do.
 *
 * @example
 * // my-store.spec.ts
 * import { describeStoreContract } from '@floodgate/limiter/testing';
 * describeStoreContract('my store', async () => {
 *   const store = new MyRateLimitStore(await connect());
 *   return { store, dispose: () => store.close() };
 * });
 *
 * @publicApi
 */
export function describeStoreContract(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    const freshKey = () => baseKey('fgtest', 'contract', randomUUID());
    const consume = (key: string, algorithm: Algorithm, limits: LimitSpec[], cost = 1): Promise<ConsumeResult> =>
      subject.store.consume({ key, algorithm, limits, cost });
    /** Lets `ms` pass for the store: at once on a controllable clock, else in real time. */
    const wait = async (ms: number): Promise<void> => {
      if (subject.clock === undefined) await sleep(ms);
      else subject.clock.advance(ms);
    };
    const clockNow = () => subject.clock?.now() ?? Date.now();
    /**
     * Runs one timed scenario per item: together in real time (their waits overlap, which keeps the
     * suite short), one after another on a controllable clock (each wait moves the one clock).
     */
    const forEachTimed = async <T>(items: readonly T[], scenario: (item: T) => Promise<void>): Promise<void> => {
      if (subject.clock === undefined) await Promise.all(items.map(scenario));
      else for (const item of items) await scenario(item);
    };

    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject.dispose?.();
    });

    it('answers ping', async () => {
      await expect(subject.store.ping()).resolves.toBeUndefined();
    });

    describe.each(RATE_ALGORITHMS)('%s', (algorithm) => {
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
        // No penalty, so no block; no lease outside concurrency.
        expect(denied.blockedUntil).toBeUndefined();
        expect(denied.leaseId).toBeUndefined();
        // A sliding window full in this window fits again only once the next window has weighed
        // enough of it out: up to two windows away.
        expect(denied.retryAfterMs).toBeLessThanOrEqual(algorithm === 'sliding_window' ? 2 * MINUTE : MINUTE);
      });

      it('reports the limit, the window, the store clock and a bounded reset', async () => {
        const before = clockNow();
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

      it('decides the limits of several callers in one consume by their own keys, all or nothing', async () => {
        // Two callers of one group: one hash tag, so one Cluster slot. Same window, told apart by key.
        const group = randomUUID();
        const [a, b] = ['a', 'b'].map((who) => groupedBaseKey('fgtest', group, 'contract', who)) as [string, string];
        const limits = [
          { limit: 5, windowMs: MINUTE },
          { limit: 1, windowMs: MINUTE },
        ];
        const limitKeys = [limitKey(a, algorithm, MINUTE), limitKey(b, algorithm, MINUTE)];
        const both = (cost: number) => subject.store.consume({ key: a, algorithm, limits, limitKeys, cost });
        const taken = await both(1);
        expect(taken.limits.map((l) => l.remaining)).toEqual([4, 0]);
        const denied = await both(1);
        expect(denied.allowed).toBe(false);
        expect(denied.limits.map((l) => l.remaining)).toEqual([4, 0]);
        // a's counter is its own: alone, under its key, it still has the 4 the refusal left.
        const alone = await subject.store.consume({
          key: a,
          algorithm,
          limits: [limits[0]!],
          limitKeys: [limitKeys[0]!],
          cost: 0,
        });
        expect(alone.limits[0]!.remaining).toBe(4);
        await subject.store.refund({ key: a, algorithm, limits, limitKeys, cost: 1, consumedAtMs: taken.nowMs });
        expect((await both(0)).limits.map((l) => l.remaining)).toEqual([5, 1]);
        await both(1);
        await subject.store.reset({ key: a, algorithm, limits, limitKeys });
        expect((await both(0)).limits.map((l) => l.remaining)).toEqual([5, 1]);
        await expect(
          subject.store.consume({ key: a, algorithm, limits, limitKeys: [limitKeys[0]!], cost: 1 }),
        ).rejects.toThrow('limitKeys');
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
        // From the start of a fresh window: three calls straddling a boundary would let
        // fixed_window count the third afresh (seen once in a run of the suite).
        const { nowMs } = await consume(key, algorithm, limits, 0);
        await wait(400 - (nowMs % 400) + 5);
        await consume(key, algorithm, limits);
        await consume(key, algorithm, limits);
        const denied = await consume(key, algorithm, limits);
        expect(denied.allowed).toBe(false);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(800);
        await wait(denied.retryAfterMs + 60);
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
      await wait(1_000 - (nowMs % 1_000) + 20);
      expect((await consume(key, 'sliding_window', limits, 10)).allowed).toBe(true);
      await wait(1_500);
      // ~0.5 s into the next window: about half of the previous window's 10 still weigh.
      const r = await consume(key, 'sliding_window', limits, 0);
      expect(r.limits[0]!.remaining).toBeGreaterThanOrEqual(1);
      expect(r.limits[0]!.remaining).toBeLessThanOrEqual(9);
    });

    describe('penalties', () => {
      const penalized = (key: string, algorithm: Algorithm, limits: LimitSpec[], penalty: Penalty, cost = 1) =>
        subject.store.consume({ key, algorithm, limits, cost, penalty });

      it('block on the first refusal for every algorithm: refused whatever the limits say, consuming nothing', async () => {
        const penalty: Penalty = { blockDurationMs: 400, multiplier: 1, decayMs: 400, maxBlockMs: 400 };
        const limits = [{ limit: 2, windowMs: 100 }];
        await forEachTimed(RATE_ALGORITHMS, async (algorithm) => {
          const key = freshKey();
          const take = (cost = 1) => penalized(key, algorithm, limits, penalty, cost);
          const allowed = await take(2);
          expect(allowed.allowed).toBe(true);
          expect(allowed.blockedUntil).toBeUndefined();
          const refused = await take();
          expect(refused).toMatchObject({ allowed: false, retryAfterMs: 400, blockedUntil: refused.nowMs + 400 });

          // The window is over, so the limit alone would let it through: the block does not.
          await wait(150);
          const blocked = await take();
          expect(blocked).toMatchObject({ allowed: false, blockedUntil: refused.blockedUntil });
          expect(blocked.retryAfterMs).toBe(refused.blockedUntil! - blocked.nowMs);
          // A report passes and tells of the block.
          expect(await take(0)).toMatchObject({ allowed: true, retryAfterMs: 0, blockedUntil: refused.blockedUntil });

          await wait(blocked.retryAfterMs + 60);
          const after = await take();
          expect(after.allowed).toBe(true);
          expect(after.blockedUntil).toBeUndefined();
          // Nothing was taken during the block.
          expect(after.limits[0]!.remaining).toBe(1);
        });
      });

      it('lengthen each repeat offence by the multiplier, up to maxBlockMs', async () => {
        const key = freshKey();
        // An hour: a fixed window ends on the clock's hour, and a minute's end fell within a block
        // of a run once (the limit's wait was then no longer than the block).
        const limits = [{ limit: 1, windowMs: 60 * MINUTE }];
        // Short blocks: the test only waits them out, so a slow machine can only make it wait longer.
        const penalty: Penalty = { blockDurationMs: 40, multiplier: 3, decayMs: MINUTE, maxBlockMs: 200 };
        const take = () => penalized(key, 'fixed_window', limits, penalty);
        expect((await take()).allowed).toBe(true);
        const blocks: number[] = [];
        for (let offence = 1; offence <= 3; offence++) {
          const refused = await take();
          expect(refused.allowed).toBe(false);
          // The limit's own wait (the rest of the hour) is the longer one, and is announced.
          expect(refused.retryAfterMs).toBeGreaterThan(refused.blockedUntil! - refused.nowMs);
          blocks.push(refused.blockedUntil! - refused.nowMs);
          await wait(blocks[blocks.length - 1]! + 30);
        }
        expect(blocks).toEqual([40, 120, 200]);
      });

      it('forget the offences once the caller stays clean for decayMs after a block', async () => {
        const key = freshKey();
        const limits = [{ limit: 1, windowMs: MINUTE }];
        const penalty: Penalty = { blockDurationMs: 100, multiplier: 2, decayMs: 150, maxBlockMs: 1_000 };
        const take = () => penalized(key, 'fixed_window', limits, penalty);
        await take();
        const first = await take();
        expect(first.blockedUntil! - first.nowMs).toBe(100);
        await wait(100 + 150 + 50);
        const second = await take();
        expect(second.blockedUntil! - second.nowMs).toBe(100);
      });

      it('start no block for a cost that can never fit, nor for a report', async () => {
        const key = freshKey();
        const limits = [{ limit: 2, windowMs: MINUTE }];
        const penalty: Penalty = { blockDurationMs: MINUTE, multiplier: 1, decayMs: MINUTE, maxBlockMs: MINUTE };
        const tooBig = await penalized(key, 'sliding_window', limits, penalty, 3);
        expect(tooBig).toMatchObject({ allowed: false, retryAfterMs: MINUTE });
        expect(tooBig.blockedUntil).toBeUndefined();
        expect((await penalized(key, 'sliding_window', limits, penalty, 0)).blockedUntil).toBeUndefined();
        expect((await penalized(key, 'sliding_window', limits, penalty, 2)).allowed).toBe(true);
      });

      it('apply only to consumes that carry the penalty', async () => {
        const key = freshKey();
        const limits = [{ limit: 1, windowMs: MINUTE }];
        const penalty: Penalty = {
          blockDurationMs: 2 * MINUTE,
          multiplier: 1,
          decayMs: MINUTE,
          maxBlockMs: 2 * MINUTE,
        };
        await penalized(key, 'gcra', limits, penalty);
        expect((await penalized(key, 'gcra', limits, penalty)).retryAfterMs).toBe(2 * MINUTE);
        const unpenalized = await consume(key, 'gcra', limits);
        expect(unpenalized.allowed).toBe(false);
        expect(unpenalized.blockedUntil).toBeUndefined();
        expect(unpenalized.retryAfterMs).toBeLessThanOrEqual(MINUTE);
      });
    });

    describe('concurrency', () => {
      const acquire = (key: string, limit: number, windowMs = MINUTE, cost = 1) =>
        consume(key, 'concurrency', [{ limit, windowMs }], cost);
      const release = (key: string, limit: number, leaseId: string, windowMs = MINUTE) =>
        subject.store.release({ key, algorithm: 'concurrency', limits: [{ limit, windowMs }], leaseId });

      it('admits `limit` requests in flight, each with its own lease, then refuses briefly', async () => {
        const key = freshKey();
        const held: ConsumeResult[] = [];
        for (let i = 0; i < 3; i++) held.push(await acquire(key, 3));
        expect(held.map((r) => r.allowed)).toEqual([true, true, true]);
        expect(held.map((r) => r.limits[0]!.remaining)).toEqual([2, 1, 0]);
        expect(held.map((r) => r.limits[0]!.resetMs)).toEqual([MINUTE, MINUTE, MINUTE]);
        expect(new Set(held.map((r) => r.leaseId)).size).toBe(3);
        for (const r of held) expect(typeof r.leaseId).toBe('string');

        const refused = await acquire(key, 3);
        expect(refused).toMatchObject({ allowed: false, limits: [{ limit: 3, windowMs: MINUTE, remaining: 0 }] });
        expect(refused.leaseId).toBeUndefined();
        // No honest wait for a slot: until the oldest lease expires, but never more than a second.
        expect(refused.retryAfterMs).toBe(CONCURRENCY_MAX_RETRY_MS);
      });

      it('reports the slots in use with cost 0, taking none; any cost >= 1 takes one', async () => {
        const key = freshKey();
        expect((await acquire(key, 3, MINUTE, 5)).limits[0]!.remaining).toBe(2);
        for (let i = 0; i < 2; i++) {
          const report = await acquire(key, 3, MINUTE, 0);
          expect(report).toMatchObject({ allowed: true, limits: [{ remaining: 2 }] });
          expect(report.leaseId).toBeUndefined();
        }
      });

      it('frees a slot on release, once: a second release or an unknown lease frees nothing', async () => {
        const key = freshKey();
        const a = await acquire(key, 2);
        await acquire(key, 2);
        expect((await acquire(key, 2)).allowed).toBe(false);
        expect(await release(key, 2, a.leaseId!)).toBe(true);
        expect(await release(key, 2, a.leaseId!)).toBe(false);
        expect(await release(key, 2, 'no-such-lease')).toBe(false);
        expect(await release(freshKey(), 2, 'no-such-lease')).toBe(false);
        expect((await acquire(key, 2)).allowed).toBe(true);
        expect((await acquire(key, 2)).allowed).toBe(false);
      });

      it('lets a lease expire after windowMs, so a lost release leaks no slot', async () => {
        const key = freshKey();
        const held = await acquire(key, 1, 200);
        const refused = await acquire(key, 1, 200);
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
        await wait(250);
        expect((await acquire(key, 1, 200)).allowed).toBe(true);
        // Its request outlived the lease: releasing it frees nothing (and not the new one's slot).
        expect(await release(key, 1, held.leaseId!, 200)).toBe(false);
        expect((await acquire(key, 1, 200)).allowed).toBe(false);
      });

      it('never admits more than `limit` under concurrency', async () => {
        const key = freshKey();
        const results = await Promise.all(Array.from({ length: 60 }, () => acquire(key, 7)));
        expect(results.filter((r) => r.allowed)).toHaveLength(7);
        expect((await acquire(key, 7, MINUTE, 0)).limits[0]!.remaining).toBe(0);
      });

      it('refuses everything with a limit of 0, and has nothing to refund or release elsewhere', async () => {
        const key = freshKey();
        expect(await acquire(key, 0)).toMatchObject({ allowed: false, retryAfterMs: MINUTE });
        const held = await acquire(key, 1);
        const limits = [{ limit: 1, windowMs: MINUTE }];
        await subject.store.refund({ key, algorithm: 'concurrency', limits, cost: 1, consumedAtMs: held.nowMs });
        expect((await acquire(key, 1, MINUTE, 0)).limits[0]!.remaining).toBe(0);
        const other = { key, algorithm: 'fixed_window' as const, limits, leaseId: held.leaseId! };
        expect(await subject.store.release(other)).toBe(false);
      });
    });

    describe.each(RATE_ALGORITHMS)('%s refunds', (algorithm) => {
      const refund = (key: string, limits: LimitSpec[], cost: number, consumedAtMs: number) =>
        subject.store.refund({ key, algorithm, limits, cost, consumedAtMs });

      it('give units back, never below zero usage', async () => {
        const key = freshKey();
        const limits = [{ limit: 5, windowMs: MINUTE }];
        const taken = await consume(key, algorithm, limits, 3);
        expect(taken.limits[0]!.remaining).toBe(2);
        await refund(key, limits, 2, taken.nowMs);
        expect((await consume(key, algorithm, limits, 0)).limits[0]!.remaining).toBe(4);
        await refund(key, limits, 10, taken.nowMs);
        expect((await consume(key, algorithm, limits, 0)).limits[0]!.remaining).toBe(5);
        expect((await consume(key, algorithm, limits, 5)).allowed).toBe(true);
        expect((await consume(key, algorithm, limits, 1)).allowed).toBe(false);
      });

      it('give back to every limit, and leave a fresh caller fresh', async () => {
        const key = freshKey();
        const limits = [
          { limit: 5, windowMs: MINUTE },
          { limit: 3, windowMs: 30_000 },
        ];
        const taken = await consume(key, algorithm, limits, 2);
        await refund(key, limits, 1, taken.nowMs);
        expect((await consume(key, algorithm, limits, 0)).limits.map((l) => l.remaining)).toEqual([4, 2]);
        const fresh = freshKey();
        await refund(fresh, limits, 3, taken.nowMs);
        expect((await consume(fresh, algorithm, limits, 0)).limits.map((l) => l.remaining)).toEqual([5, 3]);
      });
    });

    it('fixed_window, sliding_window and sliding_log never refund into a window that is gone', async () => {
      const limits = [{ limit: 4, windowMs: 150 }];
      await forEachTimed(['fixed_window', 'sliding_window', 'sliding_log'] as const, async (algorithm) => {
        const key = freshKey();
        // At the start of a window, so each consume below lands in the window it means to.
        const { nowMs } = await consume(key, algorithm, limits, 0);
        await wait(150 - (nowMs % 150) + 10);
        const old = await consume(key, algorithm, limits, 2);
        await wait(150);
        await consume(key, algorithm, limits, 2);
        // Two windows on, the old units weigh nothing; the 2 of the last window still count.
        await wait(150);
        const before = (await consume(key, algorithm, limits, 0)).limits[0]!.remaining;
        await subject.store.refund({ key, algorithm, limits, cost: 2, consumedAtMs: old.nowMs });
        expect((await consume(key, algorithm, limits, 0)).limits[0]!.remaining).toBe(before);
      });
    });

    it('sliding_window refunds into the previous window while it still weighs', async () => {
      const key = freshKey();
      const limits = [{ limit: 4, windowMs: 200 }];
      const { nowMs } = await consume(key, 'sliding_window', limits, 0);
      await wait(200 - (nowMs % 200) + 10);
      const taken = await consume(key, 'sliding_window', limits, 4);
      await wait(200);
      await subject.store.refund({ key, algorithm: 'sliding_window', limits, cost: 2, consumedAtMs: taken.nowMs });
      const after = await consume(key, 'sliding_window', limits, 0);
      // 2 of the previous window's 4 are left, weighing what of that window is still in view.
      const inView = 200 - (after.nowMs % 200);
      expect(after.limits[0]!.remaining).toBe(Math.floor((4 * 200 - 2 * inView) / 200));
    });

    it('sliding_log refunds only the entries of that millisecond', async () => {
      const key = freshKey();
      const limits = [{ limit: 5, windowMs: MINUTE }];
      const first = await consume(key, 'sliding_log', limits, 2);
      // The next entries must be logged in another millisecond.
      while ((await consume(key, 'sliding_log', limits, 0)).nowMs === first.nowMs) await wait(1);
      await consume(key, 'sliding_log', limits, 2);
      await subject.store.refund({ key, algorithm: 'sliding_log', limits, cost: 3, consumedAtMs: first.nowMs });
      expect((await consume(key, 'sliding_log', limits, 0)).limits[0]!.remaining).toBe(3);
    });

    describe('reset', () => {
      it.each(RATE_ALGORITHMS)('%s: forgets the caller, block included, and only that caller', async (algorithm) => {
        const [key, other] = [freshKey(), freshKey()];
        const limits = [
          { limit: 2, windowMs: MINUTE },
          { limit: 5, windowMs: 2 * MINUTE },
        ];
        const penalty: Penalty = { blockDurationMs: MINUTE, multiplier: 2, decayMs: MINUTE, maxBlockMs: 2 * MINUTE };
        for (const k of [key, other]) {
          await subject.store.consume({ key: k, algorithm, limits, cost: 2, penalty });
          expect(
            (await subject.store.consume({ key: k, algorithm, limits, cost: 1, penalty })).blockedUntil,
          ).toBeDefined();
        }
        await subject.store.reset({ key, algorithm, limits });
        const report = await subject.store.consume({ key, algorithm, limits, cost: 0, penalty });
        expect(report.limits.map((l) => l.remaining)).toEqual([2, 5]);
        expect(report.blockedUntil).toBeUndefined();
        expect((await subject.store.consume({ key, algorithm, limits, cost: 2, penalty })).allowed).toBe(true);
        // A second offence after the reset is a first one again.
        const refused = await subject.store.consume({ key, algorithm, limits, cost: 1, penalty });
        expect(refused.blockedUntil! - refused.nowMs).toBe(MINUTE);
        expect(
          (await subject.store.consume({ key: other, algorithm, limits, cost: 0, penalty })).blockedUntil,
        ).toBeDefined();
      });

      it('concurrency: frees every lease', async () => {
        const key = freshKey();
        const limits = [{ limit: 2, windowMs: MINUTE }];
        const held = await consume(key, 'concurrency', limits);
        await consume(key, 'concurrency', limits);
        await subject.store.reset({ key, algorithm: 'concurrency', limits });
        expect((await consume(key, 'concurrency', limits, 0)).limits[0]!.remaining).toBe(2);
        const leaseId = held.leaseId!;
        expect(await subject.store.release({ key, algorithm: 'concurrency', limits, leaseId })).toBe(false);
      });
    });
  });
}
