import type { RateLimitDecision } from './decision.js';
import { DenialCache } from './denial-cache.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';

const policy: RateLimitPolicy = {
  name: 'GET /things',
  algorithm: 'fixed_window',
  limits: [{ limit: 1, windowMs: 1_000 }],
  shadow: false,
};

function denial(retryAfterMs: number): RateLimitDecision {
  return {
    allowed: false,
    outcome: 'limited',
    rule: policy.name,
    algorithm: policy.algorithm,
    limit: 1,
    remaining: 0,
    resetAt: 0,
    resetMs: retryAfterMs,
    retryAfterMs,
    limits: [],
    source: 'store',
  };
}

describe('DenialCache', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers the same policy and an equal or larger cost until the denial expires', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('k', policy, 2, denial(500));
    expect(cache.get('k', policy, 2)).toMatchObject({ allowed: false, retryAfterMs: 500, source: 'cache' });
    now += 200;
    expect(cache.get('k', policy, 3)).toMatchObject({ retryAfterMs: 300, resetMs: 300, source: 'cache' });
    expect(cache.get('k', policy, 1)).toBeUndefined();
    expect(cache.get('k', { ...policy }, 2)).toBeUndefined();
    expect(cache.get('other', policy, 2)).toBeUndefined();
    now += 300;
    expect(cache.get('k', policy, 2)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('ignores a decision without a wait', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('k', policy, 1, denial(0));
    expect(cache.size).toBe(0);
    expect(cache.get('k', policy, 1)).toBeUndefined();
  });

  it('replaces the entry of a caller denied again', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('k', policy, 1, denial(100));
    cache.remember('k', policy, 1, denial(900));
    expect(cache.size).toBe(1);
    now += 500;
    expect(cache.get('k', policy, 1)?.retryAfterMs).toBe(400);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = new DenialCache(3, clock);
    for (const key of ['a', 'b', 'c', 'd']) cache.remember(key, policy, 1, denial(1_000));
    expect(cache.size).toBe(3);
    expect(cache.get('a', policy, 1)).toBeUndefined();
    expect(['b', 'c', 'd'].map((key) => cache.get(key, policy, 1)?.source)).toEqual(['cache', 'cache', 'cache']);
  });

  it('sweep() drops only the expired entries', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('short', policy, 1, denial(100));
    cache.remember('long', policy, 1, denial(1_000));
    now += 100;
    cache.sweep();
    expect(cache.size).toBe(1);
    expect(cache.get('long', policy, 1)).toBeDefined();
    now += 900;
    cache.sweep();
    expect(cache.size).toBe(0);
  });

  it('remembers a penalty block whole, for any cost', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('k', policy, 5, { ...denial(60_000), blockedUntil: 61_000 });
    now += 59_999;
    expect(cache.get('k', policy, 1)).toMatchObject({ retryAfterMs: 1, blockedUntil: 61_000, source: 'cache' });
    now += 1;
    expect(cache.get('k', policy, 1)).toBeUndefined();
  });

  it('never remembers a concurrency refusal: a slot may free at any moment', () => {
    const cache = new DenialCache(10, clock);
    const slots: RateLimitPolicy = { ...policy, algorithm: 'concurrency' };
    cache.remember('k', slots, 1, { ...denial(1_000), algorithm: 'concurrency' });
    expect(cache.size).toBe(0);
  });

  it('forget() drops one caller', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('a', policy, 1, denial(100));
    cache.remember('b', policy, 1, denial(100));
    cache.forget('a');
    cache.forget('nobody');
    expect(cache.get('a', policy, 1)).toBeUndefined();
    expect(cache.get('b', policy, 1)).toBeDefined();
  });

  it('clear() forgets everything', () => {
    const cache = new DenialCache(10, clock);
    cache.remember('k', policy, 1, denial(100));
    cache.clear();
    expect(cache.get('k', policy, 1)).toBeUndefined();
  });
});
