import { randomUUID } from 'node:crypto';
import { DenialCache } from './denial-cache.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';
import { RateLimiter, type RateLimiterSettings } from './rate-limiter.js';
import { MemoryRateLimitStore } from './store/memory/memory.store.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStore } from './store/rate-limit.store.js';

/** A real memory store that counts the calls reaching it. */
class CountingStore implements RateLimitStore {
  calls = 0;
  constructor(private readonly memory: MemoryRateLimitStore) {}
  consume(request: ConsumeRequest): Promise<ConsumeResult> {
    this.calls++;
    return this.memory.consume(request);
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
    this.calls++;
    throw new Error('store down');
  }
  async ping(): Promise<void> {
    throw new Error('store down');
  }
  async close(): Promise<void> {}
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
});
