import { randomUUID } from 'node:crypto';
import { DenialCache } from './denial-cache.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';
import { RateLimiter, type RateLimiterSettings, type StoreOperation } from './rate-limiter.js';
import { MemoryRateLimitStore } from './store/memory/memory.store.js';
import type {
  ConsumeRequest,
  ConsumeResult,
  RateLimitStore,
  RefundRequest,
  ReleaseRequest,
  StoreTarget,
} from './store/rate-limit.store.js';

/** A real memory store that counts the calls reaching it and keeps the last consume request. */
class CountingStore implements RateLimitStore {
  calls = 0;
  lastRequest: ConsumeRequest | undefined;
  constructor(private readonly memory: MemoryRateLimitStore) {}
  consume(request: ConsumeRequest): Promise<ConsumeResult> {
    this.calls++;
    this.lastRequest = request;
    return this.memory.consume(request);
  }
  release(request: ReleaseRequest): Promise<boolean> {
    this.calls++;
    return this.memory.release(request);
  }
  refund(request: RefundRequest): Promise<void> {
    this.calls++;
    return this.memory.refund(request);
  }
  reset(request: StoreTarget): Promise<void> {
    this.calls++;
    return this.memory.reset(request);
  }
  ping(): Promise<void> {
    return this.memory.ping();
  }
  close(): Promise<void> {
    return this.memory.close();
  }
}

/** A store that is down: every call rejects, as a broken connection or an open breaker does. */
class FailingStore implements RateLimitStore {
  calls = 0;
  async consume(): Promise<ConsumeResult> {
    return this.down();
  }
  async release(): Promise<boolean> {
    return this.down();
  }
  async refund(): Promise<void> {
    return this.down();
  }
  async reset(): Promise<void> {
    return this.down();
  }
  async ping(): Promise<void> {
    throw new Error('store down');
  }
  async close(): Promise<void> {}
  private down(): never {
    this.calls++;
    throw new Error('store down');
  }
}

const OPEN: RateLimiterSettings = { keyPrefix: 'fgtest', failMode: 'open', failClosedRetryAfterMs: 1_000 };

function policy(overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy {
  return {
    name: `rule-${randomUUID()}`,
    algorithm: 'fixed_window',
    limits: [{ limit: 2, windowMs: 60_000 }],
    shadow: false,
    ...overrides,
  };
}

describe('RateLimiter', () => {
  let now: number;
  const clock = () => now;
  let memory: MemoryRateLimitStore;
  let store: CountingStore;
  let limiter: RateLimiter;

  beforeEach(() => {
    // 10 s into a minute, so a 60 s fixed window has 50 s left.
    now = 1_699_999_990_000;
    memory = new MemoryRateLimitStore({ now: clock, sweepIntervalMs: 0 });
    store = new CountingStore(memory);
    limiter = new RateLimiter(store, OPEN, new DenialCache(100, clock));
  });
  afterEach(() => memory.close());

  describe('decisions from the store', () => {
    it('allows under the limit', async () => {
      const d = await limiter.consume(policy(), 'ip:1', 1);
      expect(d).toMatchObject({
        allowed: true,
        outcome: 'allowed',
        algorithm: 'fixed_window',
        limit: 2,
        remaining: 1,
        retryAfterMs: 0,
        resetAt: now + 50_000,
        source: 'store',
      });
      expect(d.limits).toEqual([{ limit: 2, windowMs: 60_000, remaining: 1, resetMs: 50_000 }]);
      expect(d.decidedAt).toBe(now);
      expect(d.blockedUntil).toBeUndefined();
      expect(d.leaseId).toBeUndefined();
      // No penalty on the policy, none asked of the store.
      expect(store.lastRequest!.penalty).toBeUndefined();
    });

    it('limits over the limit, with when to retry', async () => {
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(d).toMatchObject({
        allowed: false,
        outcome: 'limited',
        rule: p.name,
        remaining: 0,
        retryAfterMs: 50_000,
        resetAt: now + 50_000,
        source: 'store',
      });
    });

    it('lets a shadow policy through as shadow_limited, and asks the store every time', async () => {
      const p = policy({ shadow: true });
      await limiter.consume(p, 'ip:1', 2);
      for (let i = 0; i < 3; i++) {
        const d = await limiter.consume(p, 'ip:1', 1);
        expect(d).toMatchObject({ allowed: true, outcome: 'shadow_limited', retryAfterMs: 0, source: 'store' });
      }
      expect(store.calls).toBe(4);
    });

    it('tells observers about every decision, with its policy, duration and origin', async () => {
      const seen: string[] = [];
      const durations: number[] = [];
      limiter.observe({
        decided: (policy, d, ms, origin) => {
          seen.push(`${policy.name === d.rule}:${d.outcome}:${d.source}:${origin.entry}:${origin.correlationId}`);
          durations.push(ms);
        },
      });
      const shadow = policy({ shadow: true });
      await limiter.consume(shadow, 'ip:1', 2, { entry: 'check', correlationId: 'c-1' });
      await limiter.consume(shadow, 'ip:1', 1);
      const strict = policy();
      await limiter.consume(strict, 'ip:1', 2, { entry: 'guard' });
      await limiter.consume(strict, 'ip:1', 1, { entry: 'guard' });
      await limiter.consume(strict, 'ip:1', 1, { entry: 'guard' });
      expect(seen).toEqual([
        'true:allowed:store:check:c-1',
        'true:shadow_limited:store:direct:undefined',
        'true:allowed:store:guard:undefined',
        'true:limited:store:guard:undefined',
        // A refusal answered from node memory is a decision too.
        'true:limited:cache:guard:undefined',
      ]);
      for (const ms of durations) expect(ms).toBeGreaterThanOrEqual(0);
    });

    it('keeps identities and rules apart', async () => {
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      expect((await limiter.consume(p, 'ip:2', 1)).allowed).toBe(true);
      expect((await limiter.consume(policy(), 'ip:1', 1)).allowed).toBe(true);
    });

    it('reports the most constraining limit: the fewest left', async () => {
      const p = policy({
        limits: [
          { limit: 10, windowMs: 60_000 },
          { limit: 3, windowMs: 1_000 },
        ],
      });
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(d).toMatchObject({ limit: 3, remaining: 2, resetAt: now + 1_000 });
      expect(d.limits.map((l) => l.remaining)).toEqual([9, 2]);
    });

    it('reports the limit that denied, and the longest wait', async () => {
      const p = policy({
        limits: [
          { limit: 3, windowMs: 1_000 },
          { limit: 4, windowMs: 60_000 },
        ],
      });
      await limiter.consume(p, 'ip:1', 3);
      now += 1_000;
      await limiter.consume(p, 'ip:1', 1);
      // The second-long limit has 2 left and fits 1; the minute-long one is exhausted.
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(d).toMatchObject({ allowed: false, limit: 4, remaining: 0, retryAfterMs: 49_000 });
      expect(d.limits.map((l) => l.remaining)).toEqual([2, 0]);
    });

    it('on equal remaining, reports the limit that takes longer to reset', async () => {
      const p = policy({
        limits: [
          { limit: 2, windowMs: 1_000 },
          { limit: 2, windowMs: 60_000 },
        ],
      });
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(d).toMatchObject({ limit: 2, remaining: 1, resetAt: now + 50_000 });
    });
  });

  describe('denial cache', () => {
    it('refuses a denied caller from memory until retryAfter, then asks the store again', async () => {
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      const denied = await limiter.consume(p, 'ip:1', 1);
      expect(denied.source).toBe('store');
      expect(store.calls).toBe(2);

      now += 20_000;
      const cached = await limiter.consume(p, 'ip:1', 1);
      expect(cached).toMatchObject({ allowed: false, outcome: 'limited', source: 'cache', retryAfterMs: 30_000 });
      // A larger cost is refused from memory too.
      expect((await limiter.consume(p, 'ip:1', 2)).source).toBe('cache');
      expect(store.calls).toBe(2);

      now += 30_000;
      const again = await limiter.consume(p, 'ip:1', 1);
      expect(again).toMatchObject({ allowed: true, source: 'store' });
      expect(store.calls).toBe(3);
    });

    it('goes to the store for a different policy object of the same rule', async () => {
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      await limiter.consume(p, 'ip:1', 1);
      // A raised limit arrives as a new compiled policy with the same name (same counters).
      const raised = { ...p, limits: [{ limit: 5, windowMs: 60_000 }] };
      const d = await limiter.consume(raised, 'ip:1', 1);
      expect(d).toMatchObject({ allowed: true, remaining: 2, source: 'store' });
    });

    it('goes to the store for a smaller cost', async () => {
      const p = policy({ limits: [{ limit: 3, windowMs: 60_000 }] });
      await limiter.consume(p, 'ip:1', 2);
      expect((await limiter.consume(p, 'ip:1', 2)).allowed).toBe(false);
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(d).toMatchObject({ allowed: true, remaining: 0, source: 'store' });
    });

    it('never answers cost 0 from the cache', async () => {
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      await limiter.consume(p, 'ip:1', 1);
      const calls = store.calls;
      const report = await limiter.consume(p, 'ip:1', 0);
      expect(report).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 0, source: 'store' });
      expect(store.calls).toBe(calls + 1);
    });

    it('is dropped by sweep() once expired', async () => {
      const denials = new DenialCache(100, clock);
      limiter = new RateLimiter(store, OPEN, denials);
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      await limiter.consume(p, 'ip:1', 1);
      expect(denials.size).toBe(1);
      now += 50_000;
      limiter.sweep();
      expect(denials.size).toBe(0);
    });
  });

  describe('consumeNow: the decision itself where no I/O is needed', () => {
    it('decides synchronously on a store that does (the memory store), counting as consume does', async () => {
      limiter = new RateLimiter(memory, OPEN, new DenialCache(100, clock));
      const p = policy();
      const first = limiter.consumeNow(p, 'ip:1', 1);
      expect(first).not.toBeInstanceOf(Promise);
      expect(first).toMatchObject({ allowed: true, remaining: 1, source: 'store' });
      expect(limiter.consumeNow(p, 'ip:1', 1)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ allowed: false, outcome: 'limited' });
    });

    it('answers a promise on a store that only has consume, and a cached denial synchronously', async () => {
      const p = policy({ limits: [{ limit: 1, windowMs: 60_000 }] });
      const pending = limiter.consumeNow(p, 'ip:1', 1);
      expect(pending).toBeInstanceOf(Promise);
      expect(await pending).toMatchObject({ allowed: true, remaining: 0 });
      expect(await limiter.consumeNow(p, 'ip:1', 1)).toMatchObject({ allowed: false });
      const calls = store.calls;
      const cached = limiter.consumeNow(p, 'ip:1', 1);
      expect(cached).not.toBeInstanceOf(Promise);
      expect(cached).toMatchObject({ allowed: false, outcome: 'limited' });
      expect(store.calls).toBe(calls);
    });

    it('tells observers of a synchronous decision once, with its duration', () => {
      limiter = new RateLimiter(memory, OPEN);
      const seen: [string, number][] = [];
      limiter.observe({ decided: (_policy, decision, durationMs) => seen.push([decision.outcome, durationMs]) });
      limiter.consumeNow(policy(), 'ip:1', 1);
      expect(seen).toEqual([['allowed', expect.any(Number)]]);
      expect(seen[0]![1]).toBeGreaterThanOrEqual(0);
    });

    it.each([
      [
        'consumeNow throws',
        {
          consumeNow: () => {
            throw new Error('store down');
          },
        },
      ],
      [
        'consume throws instead of rejecting',
        {
          consume: () => {
            throw new Error('store down');
          },
        },
      ],
    ])('fails open when %s, as for a rejection, and reports it', async (_case, failing) => {
      const broken = Object.assign(new FailingStore(), failing) as RateLimitStore;
      limiter = new RateLimiter(broken, OPEN);
      const failures: string[] = [];
      limiter.observe({ storeFailed: (error) => failures.push((error as Error).message) });
      expect(await limiter.consumeNow(policy(), 'ip:1', 1)).toMatchObject({ allowed: true, outcome: 'failed_open' });
      expect(failures).toEqual(['store down']);
    });
  });

  describe('store failure', () => {
    let failing: FailingStore;
    beforeEach(() => {
      failing = new FailingStore();
    });

    it('fail open: allowed, failed_open, and the failure is reported', async () => {
      const seen: unknown[] = [];
      limiter = new RateLimiter(failing, OPEN);
      const p = policy();
      limiter.observe({
        storeFailed: (error, failedPolicy, decision) =>
          seen.push([(error as Error).message, failedPolicy, decision.outcome]),
      });
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(d).toMatchObject({
        allowed: true,
        outcome: 'failed_open',
        rule: p.name,
        limit: 2,
        remaining: 2,
        retryAfterMs: 0,
        limits: [],
        source: 'none',
      });
      expect(seen).toEqual([['store down', p, 'failed_open']]);
    });

    it('fail closed: refused with failClosedRetryAfterMs', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, failMode: 'closed', failClosedRetryAfterMs: 2_500 });
      const before = Date.now();
      const d = await limiter.consume(policy(), 'ip:1', 1);
      expect(d).toMatchObject({
        allowed: false,
        outcome: 'failed_closed',
        remaining: 0,
        retryAfterMs: 2_500,
        source: 'none',
      });
      expect(d.resetAt).toBeGreaterThanOrEqual(before + 2_500);
    });

    it('fail closed still lets a shadow policy through', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, failMode: 'closed' });
      const d = await limiter.consume(policy({ shadow: true }), 'ip:1', 1);
      expect(d).toMatchObject({ allowed: true, outcome: 'failed_open', retryAfterMs: 0 });
    });

    it('fail closed ignores insurance', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, failMode: 'closed', insuranceNodes: 3 }, new DenialCache(), memory);
      expect((await limiter.consume(policy(), 'ip:1', 1)).outcome).toBe('failed_closed');
    });

    it('insurance enforces floor(limit / nodes) per node while the store fails', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, insuranceNodes: 3 }, new DenialCache(), memory);
      const p = policy({ limits: [{ limit: 9, windowMs: 60_000 }] });
      const decisions = [];
      for (let i = 0; i < 5; i++) decisions.push(await limiter.consume(p, 'ip:1', 1));
      expect(decisions.map((d) => d.outcome)).toEqual([
        'failed_open',
        'failed_open',
        'failed_open',
        'limited',
        'limited',
      ]);
      expect(decisions.every((d) => d.source === 'insurance')).toBe(true);
      expect(decisions[0]).toMatchObject({ allowed: true, limit: 3, remaining: 2 });
      expect(decisions[3]).toMatchObject({ allowed: false, retryAfterMs: 50_000 });
      expect(failing.calls).toBe(5);
    });

    it('insurance allows at least 1 per window when the limit is below the node count', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, insuranceNodes: 4 }, new DenialCache(), memory);
      const p = policy({ limits: [{ limit: 3, windowMs: 60_000 }] });
      expect((await limiter.consume(p, 'ip:1', 1)).allowed).toBe(true);
      expect((await limiter.consume(p, 'ip:1', 1)).allowed).toBe(false);
    });

    it('insurance keeps a limit of 0 at 0 (refuse all stays refuse all)', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, insuranceNodes: 3 }, new DenialCache(), memory);
      const d = await limiter.consume(policy({ limits: [{ limit: 0, windowMs: 60_000 }] }), 'ip:1', 1);
      expect(d).toMatchObject({ allowed: false, outcome: 'limited', source: 'insurance' });
    });

    it('setInsuranceNodes resizes the insurance share for policies already seen', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, insuranceNodes: 3 }, new DenialCache(), memory);
      const p = policy({ limits: [{ limit: 12, windowMs: 60_000 }] });
      expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ limit: 4, remaining: 3 });
      limiter.setInsuranceNodes(2);
      expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ limit: 6, remaining: 4 });
      limiter.setInsuranceNodes(1);
      expect(await limiter.consume(p, 'ip:2', 1)).toMatchObject({ limit: 12, remaining: 11 });
      expect(() => limiter.setInsuranceNodes(0)).toThrow(RangeError);
    });

    it('setInsuranceNodes does not turn insurance on when it is off', async () => {
      limiter = new RateLimiter(failing, OPEN, new DenialCache(), memory);
      limiter.setInsuranceNodes(2);
      expect(await limiter.consume(policy(), 'ip:1', 1)).toMatchObject({ outcome: 'failed_open', source: 'none' });
    });

    it('insurance divides burst as well', async () => {
      limiter = new RateLimiter(failing, { ...OPEN, insuranceNodes: 2 }, new DenialCache(), memory);
      const p = policy({ algorithm: 'token_bucket', limits: [{ limit: 100, windowMs: 60_000, burst: 4 }] });
      const allowed = [];
      for (let i = 0; i < 3; i++) allowed.push((await limiter.consume(p, 'ip:1', 1)).allowed);
      expect(allowed).toEqual([true, true, false]);
    });
  });

  describe('penalties', () => {
    const penalized = () =>
      policy({ penalty: { blockDurationMs: 600_000, multiplier: 2, decayMs: 6_000_000, maxBlockMs: 3_600_000 } });

    it('passes the penalty to the store and reports a blocked caller: nothing remaining until the block ends', async () => {
      const p = penalized();
      await limiter.consume(p, 'ip:1', 2);
      const d = await limiter.consume(p, 'ip:1', 1);
      expect(store.lastRequest!.penalty).toBe(p.penalty);
      expect(d).toMatchObject({
        allowed: false,
        outcome: 'limited',
        remaining: 0,
        retryAfterMs: 600_000,
        resetMs: 600_000,
        resetAt: now + 600_000,
        blockedUntil: now + 600_000,
        source: 'store',
      });
    });

    it('refuses the whole block from the denial cache, whatever the cost, then asks the store again', async () => {
      const p = penalized();
      await limiter.consume(p, 'ip:1', 2);
      await limiter.consume(p, 'ip:1', 2);
      expect(store.calls).toBe(2);
      // Long after the window: the limit alone would allow, the block does not, and it is not asked.
      now += 100_000;
      const cached = await limiter.consume(p, 'ip:1', 1);
      expect(cached).toMatchObject({ allowed: false, source: 'cache', retryAfterMs: 500_000 });
      expect(store.calls).toBe(2);
      now += 500_000;
      expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ allowed: true, source: 'store' });
    });

    it('peek reports the block and every limit, asking the store past the cache and telling no observer', async () => {
      const decided: unknown[] = [];
      limiter.observe({ decided: (_p, d) => decided.push(d) });
      const p = penalized();
      await limiter.consume(p, 'ip:1', 2);
      await limiter.consume(p, 'ip:1', 1);
      const calls = store.calls;
      now += 120_000;
      const peeked = await limiter.peek(p, 'ip:1');
      expect(peeked).toMatchObject({
        allowed: true,
        remaining: 0,
        blockedUntil: now + 480_000,
        resetMs: 480_000,
        limits: [{ limit: 2, windowMs: 60_000, remaining: 2, resetMs: 0 }],
        source: 'store',
      });
      expect(store.calls).toBe(calls + 1);
      expect(decided).toHaveLength(2);
    });

    it('peek rejects when the store fails (a counters view must not show a fresh counter)', async () => {
      limiter = new RateLimiter(new FailingStore(), OPEN);
      await expect(limiter.peek(policy(), 'ip:1')).rejects.toThrow('store down');
    });
  });

  describe('concurrency', () => {
    const slots = (limit = 2) => policy({ algorithm: 'concurrency', limits: [{ limit, windowMs: 30_000 }] });

    it('hands out a lease per admitted request and frees it on release', async () => {
      const p = slots();
      const a = await limiter.consume(p, 'ip:1', 1);
      const b = await limiter.consume(p, 'ip:1', 1);
      expect(a).toMatchObject({ allowed: true, remaining: 1, algorithm: 'concurrency' });
      expect(typeof a.leaseId).toBe('string');
      expect(b.leaseId).not.toBe(a.leaseId);
      expect(await limiter.release(p, 'ip:1', a.leaseId!)).toBe(true);
      expect(await limiter.release(p, 'ip:1', a.leaseId!)).toBe(false);
      expect((await limiter.consume(p, 'ip:1', 1)).allowed).toBe(true);
    });

    it('never caches a refusal: a slot may free at any moment', async () => {
      const p = slots(1);
      const held = await limiter.consume(p, 'ip:1', 1);
      const refused = await limiter.consume(p, 'ip:1', 1);
      expect(refused).toMatchObject({ allowed: false, source: 'store', retryAfterMs: 1_000 });
      await limiter.release(p, 'ip:1', held.leaseId!);
      const calls = store.calls;
      expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ allowed: true, source: 'store' });
      expect(store.calls).toBe(calls + 1);
    });

    it('release is a no-op for other algorithms', async () => {
      expect(await limiter.release(policy(), 'ip:1', 'lease')).toBe(false);
      expect(store.calls).toBe(0);
    });

    it('release swallows a store failure and reports it', async () => {
      const failed: [StoreOperation, string][] = [];
      limiter = new RateLimiter(new FailingStore(), OPEN);
      limiter.observe({
        storeOperationFailed: (op, error, p) => failed.push([op, `${(error as Error).message}:${p.name}`]),
      });
      const p = slots();
      expect(await limiter.release(p, 'ip:1', 'lease')).toBe(false);
      expect(failed).toEqual([['release', `store down:${p.name}`]]);
    });

    it('frees a lease the insurance limiter handed out while the store was down', async () => {
      const failing = new FailingStore();
      limiter = new RateLimiter(failing, { ...OPEN, insuranceNodes: 1 }, new DenialCache(), memory);
      const p = slots(1);
      const held = await limiter.consume(p, 'ip:1', 1);
      expect(held).toMatchObject({ outcome: 'failed_open', source: 'insurance' });
      expect((await limiter.consume(p, 'ip:1', 1)).outcome).toBe('limited');
      expect(await limiter.release(p, 'ip:1', held.leaseId!)).toBe(true);
      expect((await limiter.consume(p, 'ip:1', 1)).outcome).toBe('failed_open');
    });
  });

  describe('refund', () => {
    it('gives back what a store decision took', async () => {
      const p = policy({ limits: [{ limit: 3, windowMs: 60_000 }] });
      const d = await limiter.consume(p, 'ip:1', 2);
      now += 1_000;
      await limiter.refund(p, 'ip:1', d, 2);
      expect((await limiter.consume(p, 'ip:1', 0)).remaining).toBe(3);
    });

    it('gives back nothing for a decision that took nothing', async () => {
      const p = policy();
      await limiter.consume(p, 'ip:1', 2);
      const limited = await limiter.consume(p, 'ip:1', 1);
      const cached = await limiter.consume(p, 'ip:1', 1);
      const report = await limiter.consume(p, 'ip:1', 0);
      const calls = store.calls;
      for (const d of [limited, cached]) await limiter.refund(p, 'ip:1', d, 1);
      await limiter.refund(p, 'ip:1', report, 0);
      expect(store.calls).toBe(calls);
      expect(cached.source).toBe('cache');
      const shadow = policy({ shadow: true });
      await limiter.consume(shadow, 'ip:1', 2);
      await limiter.refund(shadow, 'ip:1', await limiter.consume(shadow, 'ip:1', 1), 1);
      expect((await limiter.consume(shadow, 'ip:1', 0)).remaining).toBe(0);
      const failedOpen = await new RateLimiter(new FailingStore(), OPEN).consume(p, 'ip:1', 1);
      await limiter.refund(p, 'ip:1', failedOpen, 1);
      // The shadow consumes and the report: no refund reached the store.
      expect(store.calls).toBe(calls + 3);
    });

    it('gives back to the insurance limiter what it took while the store was down', async () => {
      limiter = new RateLimiter(new FailingStore(), { ...OPEN, insuranceNodes: 1 }, new DenialCache(), memory);
      const p = policy();
      const d = await limiter.consume(p, 'ip:1', 2);
      expect((await limiter.consume(p, 'ip:1', 1)).outcome).toBe('limited');
      await limiter.refund(p, 'ip:1', d, 1);
      expect((await limiter.consume(p, 'ip:1', 1)).outcome).toBe('failed_open');
    });

    it('swallows a store failure and reports it', async () => {
      const failed: StoreOperation[] = [];
      const d = await limiter.consume(policy(), 'ip:1', 1);
      const broken = new RateLimiter(new FailingStore(), OPEN);
      broken.observe({ storeOperationFailed: (op) => failed.push(op) });
      await expect(broken.refund(policy({ name: d.rule }), 'ip:1', d, 1)).resolves.toBeUndefined();
      expect(failed).toEqual(['refund']);
    });

    it("refuses a bad cost or another policy's decision: a programming error", async () => {
      const p = policy();
      const d = await limiter.consume(p, 'ip:1', 1);
      await expect(limiter.refund(p, 'ip:1', d, -1)).rejects.toThrow(RangeError);
      await expect(limiter.refund(p, 'ip:1', d, 0.5)).rejects.toThrow(RangeError);
      await expect(limiter.refund(policy(), 'ip:1', d, 1)).rejects.toThrow(`a decision of "${p.name}"`);
    });
  });

  describe('consumeAll: several policies decided together, all or nothing', () => {
    const parts = (...policies: RateLimitPolicy[]) => policies.map((p, i) => ({ policy: p, identity: `d:${i}` }));

    it('decides every part in one store call and reports each with its own limits', async () => {
      const a = policy({ limits: [{ limit: 5, windowMs: 60_000 }] });
      const b = policy({ limits: [{ limit: 3, windowMs: 60_000 }] });
      const [da, db] = await limiter.consumeAll(parts(a, b), 2, 'group-1', { entry: 'envoy' });
      expect(store.calls).toBe(1);
      // Two policies with the same window, told apart by their keys.
      expect(store.lastRequest!.limitKeys).toHaveLength(2);
      expect(new Set(store.lastRequest!.limitKeys).size).toBe(2);
      expect(da).toMatchObject({ allowed: true, outcome: 'allowed', rule: a.name, limit: 5, remaining: 3 });
      expect(db).toMatchObject({ allowed: true, outcome: 'allowed', rule: b.name, limit: 3, remaining: 1 });
      expect(da!.decidedAt).toBe(now);
    });

    it('takes nothing from any part when one refuses', async () => {
      const roomy = policy({ limits: [{ limit: 10, windowMs: 60_000 }] });
      const tight = policy({ limits: [{ limit: 1, windowMs: 60_000 }] });
      await limiter.consumeAll(parts(roomy, tight), 1, 'group-1');
      const [dr, dt] = await limiter.consumeAll(parts(roomy, tight), 1, 'group-1');
      expect(dt).toMatchObject({ allowed: false, outcome: 'limited', remaining: 0, retryAfterMs: 50_000 });
      // It had room, but the request was refused: its 9 are still there, nothing to refund.
      expect(dr).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 9, retryAfterMs: 0 });
      expect(dr!.decidedAt).toBeUndefined();
      const [alone] = await limiter.consumeAll([{ policy: roomy, identity: 'd:0' }], 1, 'group-1');
      expect(alone).toMatchObject({ allowed: true, remaining: 8 });
    });

    it('gives back what the calls of other algorithms took when one refuses', async () => {
      const window = policy({ algorithm: 'sliding_window', limits: [{ limit: 10, windowMs: 60_000 }] });
      const fixed = policy({ algorithm: 'fixed_window', limits: [{ limit: 1, windowMs: 60_000 }] });
      await limiter.consumeAll(parts(window, fixed), 1, 'group-1');
      store.calls = 0;
      const [dw, df] = await limiter.consumeAll(parts(window, fixed), 1, 'group-1');
      expect(df).toMatchObject({ allowed: false, outcome: 'limited' });
      // Its unit went back: it reports what it has, as if it had not been asked.
      expect(dw).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 9 });
      expect(dw!.decidedAt).toBeUndefined();
      // Two consumes and the refund of the one that took a unit.
      expect(store.calls).toBe(3);
      const [report] = await limiter.consumeAll([{ policy: window, identity: 'd:0' }], 0, 'group-1');
      expect(report!.remaining).toBe(9);
    });

    it('splits parts of one algorithm into calls of at most MAX_LIMITS limits', async () => {
      const three = () =>
        policy({
          limits: [
            { limit: 10, windowMs: 1_000 },
            { limit: 20, windowMs: 60_000 },
            { limit: 30, windowMs: 3_600_000 },
          ],
        });
      const decisions = await limiter.consumeAll(parts(three(), three()), 1, 'group-1');
      expect(store.calls).toBe(2);
      expect(decisions.map((d) => d.remaining)).toEqual([9, 9]);
    });

    it('decides a shadow part alone: it never refuses, nor makes the others refuse', async () => {
      const shadow = policy({ shadow: true, limits: [{ limit: 1, windowMs: 60_000 }] });
      const strict = policy({ limits: [{ limit: 5, windowMs: 60_000 }] });
      await limiter.consumeAll(parts(shadow, strict), 1, 'group-1');
      const [ds, dst] = await limiter.consumeAll(parts(shadow, strict), 1, 'group-1');
      expect(ds).toMatchObject({ allowed: true, outcome: 'shadow_limited' });
      expect(dst).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 3 });
    });

    it('decides a repeated part once and answers it in each place', async () => {
      const p = policy({ limits: [{ limit: 5, windowMs: 60_000 }] });
      const seen: string[] = [];
      limiter.observe({ decided: (_policy, d, _ms, origin) => seen.push(`${d.outcome}:${origin.entry}`) });
      const decisions = await limiter.consumeAll(
        [
          { policy: p, identity: 'same' },
          { policy: p, identity: 'same' },
        ],
        1,
        'group-1',
        { entry: 'envoy' },
      );
      expect(decisions.map((d) => d.remaining)).toEqual([4, 4]);
      expect(seen).toEqual(['allowed:envoy']);
    });

    it('keeps groups apart, and apart from consume', async () => {
      const p = policy({ limits: [{ limit: 1, windowMs: 60_000 }] });
      await limiter.consumeAll([{ policy: p, identity: 'x' }], 1, 'group-1');
      expect((await limiter.consumeAll([{ policy: p, identity: 'x' }], 1, 'group-2'))[0]!.allowed).toBe(true);
      expect((await limiter.consume(p, 'x', 1)).allowed).toBe(true);
    });

    it('decides by the fail mode when the store fails, reporting the failure once per call', async () => {
      const failing = new FailingStore();
      const failures: string[] = [];
      const observer = { storeFailed: (error: unknown) => failures.push((error as Error).message) };
      const open = new RateLimiter(failing, OPEN);
      open.observe(observer);
      const a = policy();
      const b = policy();
      const opened = await open.consumeAll(parts(a, b), 1, 'group-1');
      expect(opened.map((d) => [d.outcome, d.source])).toEqual([
        ['failed_open', 'none'],
        ['failed_open', 'none'],
      ]);
      expect(failures).toEqual(['store down']);
      const closed = new RateLimiter(failing, { ...OPEN, failMode: 'closed' });
      const shadow = policy({ shadow: true });
      const refused = await closed.consumeAll(parts(a, shadow), 1, 'group-1');
      expect(refused.map((d) => [d.allowed, d.outcome])).toEqual([
        [false, 'failed_closed'],
        [true, 'failed_open'],
      ]);
    });

    it('enforces the insurance share of every part while the store fails, all or nothing', async () => {
      const insurance = new MemoryRateLimitStore({ now: clock, sweepIntervalMs: 0 });
      const insured = new RateLimiter(new FailingStore(), { ...OPEN, insuranceNodes: 2 }, undefined, insurance);
      const roomy = policy({ limits: [{ limit: 10, windowMs: 60_000 }] });
      const tight = policy({ limits: [{ limit: 2, windowMs: 60_000 }] });
      expect((await insured.consumeAll(parts(roomy, tight), 1, 'group-1')).map((d) => d.outcome)).toEqual([
        'failed_open',
        'failed_open',
      ]);
      const [dr, dt] = await insured.consumeAll(parts(roomy, tight), 1, 'group-1');
      expect(dt).toMatchObject({ allowed: false, outcome: 'limited', source: 'insurance', limit: 1 });
      expect(dr).toMatchObject({ allowed: true, source: 'insurance', remaining: 4 });
      await insurance.close();
    });

    it('refuses no parts, a bad cost, concurrency and penalties: programming errors', async () => {
      await expect(limiter.consumeAll([], 1, 'g')).rejects.toThrow(RangeError);
      await expect(limiter.consumeAll(parts(policy()), -1, 'g')).rejects.toThrow(RangeError);
      await expect(
        limiter.consumeAll(
          parts(policy({ algorithm: 'concurrency', limits: [{ limit: 1, windowMs: 1_000 }] })),
          1,
          'g',
        ),
      ).rejects.toThrow('concurrency');
      const penalty = { blockDurationMs: 1_000, multiplier: 1, decayMs: 1_000, maxBlockMs: 1_000 };
      await expect(limiter.consumeAll(parts(policy({ penalty })), 1, 'g')).rejects.toThrow('penalty');
      expect(store.calls).toBe(0);
    });
  });

  describe('reset', () => {
    it('forgets the caller in the store, the block included, and its cached denial on this node', async () => {
      const p = policy({ penalty: { blockDurationMs: 600_000, multiplier: 1, decayMs: 600_000, maxBlockMs: 600_000 } });
      await limiter.consume(p, 'ip:1', 2);
      await limiter.consume(p, 'ip:1', 1);
      await limiter.consume(policy({ name: p.name }), 'ip:2', 2);
      expect((await limiter.consume(p, 'ip:1', 1)).source).toBe('cache');
      await limiter.reset(p, 'ip:1');
      expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ allowed: true, remaining: 1, source: 'store' });
      expect((await limiter.peek(p, 'ip:2')).remaining).toBe(0);
    });

    it('rejects when the store fails', async () => {
      await expect(new RateLimiter(new FailingStore(), OPEN).reset(policy(), 'ip:1')).rejects.toThrow('store down');
    });

    it("forgetDenial drops only this caller's cached denial", async () => {
      const p = policy();
      for (const ip of ['ip:1', 'ip:2']) {
        await limiter.consume(p, ip, 2);
        await limiter.consume(p, ip, 1);
      }
      limiter.forgetDenial(p, 'ip:1');
      expect((await limiter.consume(p, 'ip:1', 1)).source).toBe('store');
      expect((await limiter.consume(p, 'ip:2', 1)).source).toBe('cache');
    });
  });
});
