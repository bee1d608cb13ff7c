import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import type { StoredRule } from './rule.js';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import { RulesSnapshot } from './rules-snapshot.js';

const DEFAULT: RateLimitPolicy = {
  name: 'default',
  algorithm: 'sliding_window',
  limits: [{ limit: 100, windowMs: 60_000 }],
  shadow: false,
};
const DECLARED: RateLimitPolicy = {
  name: 'GET /users',
  algorithm: 'fixed_window',
  limits: [{ limit: 3, windowMs: 1_000 }],
  shadow: false,
};

function rule(name: string, resource: string, limit: number): StoredRule {
  const at = new Date(Date.UTC(2025, 0, 1));
  return {
    id: `00000000-0000-4000-8000-${name.padStart(12, '0')}`,
    version: 1,
    createdAt: at,
    updatedAt: at,
    name,
    match: { resource },
    limits: [{ limit, windowMs: 1_000 }],
  };
}

describe('RulesPolicyResolver', () => {
  it('answers the declared policy, else the default, until the first swap', () => {
    const resolver = new RulesPolicyResolver(DEFAULT);
    expect(resolver.loaded).toBe(false);
    expect(resolver.current.version).toBe(0);
    expect(resolver.current.ruleCount).toBe(0);
    expect(resolver.resolve({ resource: 'GET /users', declared: DECLARED })).toBe(DECLARED);
    expect(resolver.resolve({ resource: 'GET /users' })).toBe(DEFAULT);
    expect(new RulesPolicyResolver().resolve({ resource: 'GET /users' })).toBeUndefined();
  });

  it('swaps the snapshot whole, and the next lookup sees only the new rules', () => {
    const resolver = new RulesPolicyResolver(DEFAULT);
    const first = new RulesSnapshot([rule('users', 'GET /users', 5)], 1, { defaultPolicy: DEFAULT });
    expect(resolver.swap(first)).toBe(true);
    expect(resolver.loaded).toBe(true);
    expect(resolver.current).toBe(first);
    const before = resolver.resolve({ resource: 'GET /users', declared: DECLARED });
    expect(before?.limits[0]?.limit).toBe(5);

    const second = new RulesSnapshot([rule('orders', 'GET /orders', 7)], 2, { defaultPolicy: DEFAULT });
    resolver.swap(second);
    expect(resolver.current.version).toBe(2);
    expect(resolver.current.ruleCount).toBe(1);
    expect(resolver.resolve({ resource: 'GET /users', declared: DECLARED })).toBe(DECLARED);
    expect(resolver.resolve({ resource: 'GET /orders' })?.name).toBe('orders');
  });

  it('gives a changed rule a new policy object, so nothing cached for the old one applies', () => {
    const resolver = new RulesPolicyResolver();
    resolver.swap(new RulesSnapshot([rule('users', 'GET /users', 5)], 1));
    const old = resolver.resolve({ resource: 'GET /users' });
    resolver.swap(new RulesSnapshot([rule('users', 'GET /users', 50)], 2));
    const changed = resolver.resolve({ resource: 'GET /users' });
    expect(changed).not.toBe(old);
    expect(changed?.name).toBe(old?.name);
    expect(changed?.limits[0]?.limit).toBe(50);
  });

  it('keeps the newer snapshot when an older one arrives late', () => {
    const resolver = new RulesPolicyResolver();
    const newer = new RulesSnapshot([rule('users', 'GET /users', 5)], 5);
    resolver.swap(newer);
    expect(resolver.swap(new RulesSnapshot([], 4))).toBe(false);
    expect(resolver.current).toBe(newer);
    const reloaded = new RulesSnapshot([rule('users', 'GET /users', 5)], 5);
    expect(resolver.swap(reloaded)).toBe(true);
    expect(resolver.current).toBe(reloaded);
  });
});
