import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import type { StoredRule } from './rule.js';
import { storedRule as rule } from '../../test/rules/support/stored-rule.js';
import { RulesSnapshot } from './rules-snapshot.js';

/** The name of the rule that wins for the query. */
function winner(
  rules: StoredRule[],
  query: { resource: string; tier?: string; clientId?: string },
): string | undefined {
  return new RulesSnapshot(rules, 1).resolve(query)?.name;
}

const DECLARED: RateLimitPolicy = Object.freeze({
  name: 'GET /users',
  algorithm: 'fixed_window',
  limits: [{ limit: 3, windowMs: 1_000 }],
  shadow: false,
});
const DEFAULT: RateLimitPolicy = Object.freeze({
  name: 'default',
  algorithm: 'sliding_window',
  limits: [{ limit: 100, windowMs: 60_000 }],
  shadow: false,
});

const FULL = { resource: 'GET /v1/search', tier: 'free', clientId: 'acct_1' };

describe('RulesSnapshot specificity', () => {
  it('prefers more selectors: three over two', () => {
    const rules = [
      rule('client-tier', { clientId: 'acct_1', tier: 'free' }),
      rule('all-three', { clientId: 'acct_1', tier: 'free', resource: 'GET /v1/*' }),
    ];
    expect(winner(rules, FULL)).toBe('all-three');
  });

  it('prefers more selectors: two weaker ones over one stronger one', () => {
    const rules = [rule('client', { clientId: 'acct_1' }), rule('tier-resource', { tier: 'free', resource: '*' })];
    expect(winner(rules, FULL)).toBe('tier-resource');
  });

  it('prefers clientId+tier over clientId+resource', () => {
    const rules = [
      rule('client-resource', { clientId: 'acct_1', resource: 'GET /v1/search' }),
      rule('client-tier', { clientId: 'acct_1', tier: 'free' }),
    ];
    expect(winner(rules, FULL)).toBe('client-tier');
  });

  it('prefers clientId+resource over tier+resource', () => {
    const rules = [
      rule('tier-resource', { tier: 'free', resource: 'GET /v1/search' }),
      rule('client-resource', { clientId: 'acct_1', resource: 'GET /v1/*' }),
    ];
    expect(winner(rules, FULL)).toBe('client-resource');
  });

  it('prefers clientId over tier', () => {
    const rules = [rule('tier', { tier: 'free' }), rule('client', { clientId: 'acct_1' })];
    expect(winner(rules, FULL)).toBe('client');
  });

  it('prefers tier over resource', () => {
    const rules = [rule('resource', { resource: 'GET /v1/search' }), rule('tier', { tier: 'free' })];
    expect(winner(rules, FULL)).toBe('tier');
  });

  it('prefers an exact resource over a glob, whatever the priorities', () => {
    const rules = [
      rule('glob', { resource: 'GET /v1/searc*' }, { priority: 1_000 }),
      rule('exact', { resource: 'GET /v1/search' }, { priority: -1_000 }),
    ];
    expect(winner(rules, FULL)).toBe('exact');
  });

  it('prefers the glob with more literal characters, whatever the priorities', () => {
    const rules = [
      rule('short', { resource: 'GET *' }, { priority: 1_000 }),
      rule('long', { resource: 'GET /v1/*' }),
      rule('star', { resource: '*' }, { priority: 1_000 }),
    ];
    expect(winner(rules, FULL)).toBe('long');
    expect(winner(rules, { resource: 'GET /v2/x' })).toBe('short');
    expect(winner(rules, { resource: 'POST /v1/x' })).toBe('star');
  });

  it('prefers the higher priority between equally specific rules', () => {
    const rules = [rule('low', { tier: 'free' }, { priority: 1 }), rule('high', { tier: 'free' }, { priority: 2 })];
    expect(winner(rules, FULL)).toBe('high');
    const globs = [rule('a', { resource: 'GET /v1/*' }), rule('b', { resource: 'GET /*/search' }, { priority: 5 })];
    expect(winner(globs, FULL)).toBe('b');
    const exact = [rule('c', { resource: 'GET /x' }), rule('d', { resource: 'GET /x' }, { priority: 5 })];
    expect(winner(exact, { resource: 'GET /x' })).toBe('d');
  });

  it('prefers the older rule at equal priority, then the smaller id', () => {
    const older = rule('older', { tier: 'free' });
    const newer = rule('newer', { tier: 'free' });
    expect(winner([newer, older], FULL)).toBe('older');
    const at = new Date(Date.UTC(2025, 5, 1));
    const b = rule('b', { tier: 'free' }, { id: '00000000-0000-4000-8000-00000000000b', createdAt: at });
    const a = rule('a', { tier: 'free' }, { id: '00000000-0000-4000-8000-00000000000a', createdAt: at });
    expect(winner([b, a], FULL)).toBe('a');
  });

  it('applies a rule only when every selector it names fits', () => {
    const rules = [
      rule('free-search', { tier: 'free', resource: 'GET /v1/search' }),
      rule('acct-2', { clientId: 'acct_2' }),
    ];
    expect(winner(rules, { ...FULL, tier: 'pro' })).toBeUndefined();
    expect(winner(rules, { resource: 'GET /v1/search' })).toBeUndefined();
    expect(winner(rules, { resource: 'GET /v1/search', tier: 'free' })).toBe('free-search');
    expect(winner(rules, { ...FULL, clientId: 'acct_2' })).toBe('free-search');
    expect(winner(rules, { resource: 'GET /x', clientId: 'acct_2' })).toBe('acct-2');
    // Exact means exact: no case folding, no prefixes.
    expect(winner(rules, { resource: 'GET /x', clientId: 'ACCT_2' })).toBeUndefined();
    expect(winner(rules, { resource: 'GET /x', clientId: 'acct_22' })).toBeUndefined();
  });

  it('takes regex metacharacters in a rule resource literally', () => {
    const rules = [rule('meta', { resource: 'GET /a.b?(c)' }), rule('meta-glob', { resource: 'GET /a.b?(*)' })];
    expect(winner(rules, { resource: 'GET /a.b?(c)' })).toBe('meta');
    expect(winner(rules, { resource: 'GET /a.b?(xyz)' })).toBe('meta-glob');
    expect(winner(rules, { resource: 'GET /aXb?(c)' })).toBeUndefined();
    expect(winner(rules, { resource: 'GET /a.b(c)' })).toBeUndefined();
  });
});

describe('RulesSnapshot policies', () => {
  it('yields the rule name, algorithm, limits and shadow, as the same frozen object every time', () => {
    const snapshot = new RulesSnapshot(
      [
        rule(
          'search',
          { resource: 'GET /v1/*' },
          {
            algorithm: 'gcra',
            shadow: true,
            limits: [
              { limit: 5, windowMs: 1_000, burst: 2 },
              { limit: 100, windowMs: 60_000 },
            ],
          },
        ),
      ],
      1,
    );
    const policy = snapshot.resolve({ resource: 'GET /v1/a' });
    expect(policy).toEqual({
      name: 'search',
      algorithm: 'gcra',
      shadow: true,
      limits: [
        { limit: 5, windowMs: 1_000, burst: 2 },
        { limit: 100, windowMs: 60_000 },
      ],
    });
    expect(Object.isFrozen(policy) && Object.isFrozen(policy!.limits) && Object.isFrozen(policy!.limits[0])).toBe(true);
    expect(snapshot.resolve({ resource: 'GET /v1/b', tier: 'x' })).toBe(policy);
    expect(snapshot.resolve({ resource: 'GET /v1/a' })).toBe(policy);
  });

  it('defaults algorithm and shadow as a created rule does', () => {
    const policy = new RulesSnapshot([rule('plain', { tier: 'free' })], 1).resolve(FULL);
    expect(policy).toEqual({
      name: 'plain',
      algorithm: 'sliding_window',
      limits: [{ limit: 10, windowMs: 1_000 }],
      shadow: false,
    });
  });

  it('gives a perResource rule one stable policy per resource, with its own counters', () => {
    const snapshot = new RulesSnapshot([rule('per', { resource: 'GET /v1/*' }, { perResource: true })], 1);
    const a = snapshot.resolve({ resource: 'GET /v1/a' });
    const b = snapshot.resolve({ resource: 'GET /v1/b' });
    expect(a?.name).toBe('per|GET /v1/a');
    expect(b?.name).toBe('per|GET /v1/b');
    // Metrics and traces label by the rule: a caller's resource never becomes a label value.
    expect(a?.rule).toBe('per');
    expect(b?.rule).toBe('per');
    expect(a).not.toBe(b);
    expect(a?.limits).toBe(b?.limits);
    expect(Object.isFrozen(a)).toBe(true);
    expect(snapshot.resolve({ resource: 'GET /v1/a', clientId: 'other' })).toBe(a);
  });

  it('drops the oldest perResource policy past the cache size, and makes an equal one again', () => {
    const stored = [rule('per', { resource: '*' }, { perResource: true })];
    const snapshot = new RulesSnapshot(stored, 1, { perResourceCacheSize: 2 });
    const a = snapshot.resolve({ resource: 'a' });
    const b = snapshot.resolve({ resource: 'b' });
    expect(snapshot.resolve({ resource: 'a' })).toBe(a);
    snapshot.resolve({ resource: 'c' });
    expect(snapshot.resolve({ resource: 'b' })).toBe(b);
    const again = snapshot.resolve({ resource: 'a' });
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });

  it('leaves disabled rules out', () => {
    const rules = [
      rule('off', { resource: 'GET /users' }, { enabled: false, priority: 9 }),
      rule('on', { resource: 'GET /users' }),
    ];
    expect(winner(rules, { resource: 'GET /users' })).toBe('on');
    const snapshot = new RulesSnapshot([rules[0]!], 7);
    expect(snapshot.resolve({ resource: 'GET /users', declared: DECLARED })).toBe(DECLARED);
    expect(snapshot.ruleCount).toBe(1);
    expect(snapshot.enabledRuleCount).toBe(0);
    expect(snapshot.version).toBe(7);
  });

  it('falls back to the declared policy, then the default, then nothing', () => {
    const withDefault = new RulesSnapshot([rule('other', { resource: 'GET /other' })], 1, { defaultPolicy: DEFAULT });
    expect(withDefault.resolve({ resource: 'GET /users', declared: DECLARED })).toBe(DECLARED);
    expect(withDefault.resolve({ resource: 'GET /users' })).toBe(DEFAULT);
    expect(new RulesSnapshot([], 1).resolve({ resource: 'GET /users' })).toBeUndefined();
  });

  it('names a per-resource default after the resource', () => {
    const policies = new Map<string, RateLimitPolicy>();
    const defaultPolicy = {
      policyFor(resource: string): RateLimitPolicy {
        if (!policies.has(resource)) policies.set(resource, { ...DEFAULT, name: resource });
        return policies.get(resource)!;
      },
    };
    const snapshot = RulesSnapshot.empty(defaultPolicy);
    expect(snapshot.resolve({ resource: 'GET /a' })?.name).toBe('GET /a');
    expect(snapshot.resolve({ resource: 'GET /a' })).toBe(snapshot.resolve({ resource: 'GET /a' }));
  });

  it('overrides a route decorator with a rule matching the route name', () => {
    const snapshot = new RulesSnapshot([rule('users-override', { resource: 'GET /users' })], 1);
    expect(snapshot.resolve({ resource: 'GET /users', declared: DECLARED })?.name).toBe('users-override');
    expect(snapshot.resolve({ resource: 'GET /users/:id', declared: DECLARED })).toBe(DECLARED);
  });

  it('tells which stored rule applied', () => {
    const stored = rule('explain', { tier: 'free' });
    const snapshot = new RulesSnapshot([stored], 1);
    expect(snapshot.ruleFor(FULL)).toBe(stored);
    expect(snapshot.ruleFor({ resource: 'x' })).toBeUndefined();
  });
});

describe('RulesSnapshot compilation', () => {
  it('accepts a stored null description', () => {
    expect(new RulesSnapshot([rule('described', { tier: 'free' }, { description: null })], 1).ruleCount).toBe(1);
  });

  it('leaves out an invalid rule, naming it and the field, and enforces the rest', () => {
    const good = rule('good', { tier: 'x' });
    const bad = rule('bad', { tier: 'free' }, { limits: [{ limit: 1, windowMs: 0 }] });
    const snapshot = new RulesSnapshot([good, bad], 1);
    expect(snapshot.invalidRules).toEqual([
      { id: bad.id, name: 'bad', reason: 'limits[0].windowMs must be an integer from 1 to 2678400000' },
    ]);
    expect(snapshot.ruleCount).toBe(2);
    expect(snapshot.enabledRuleCount).toBe(1);
    expect(snapshot.ruleFor({ resource: 'r', tier: 'x' })).toBe(good);
    expect(snapshot.ruleFor({ resource: 'r', tier: 'free' })).toBeUndefined();
  });

  it('leaves out what a hand-written row can hold: limits of [{}], no object, no id', () => {
    const empty = rule('empty', { tier: 'a' }, { limits: [{}] as never });
    const snapshot = new RulesSnapshot([empty, 5 as never, { ...rule('anon', { tier: 'b' }), id: '' }], 1);
    expect(snapshot.invalidRules).toEqual([
      {
        id: empty.id,
        name: 'empty',
        reason: 'limits[0].limit is required; limits[0].windowMs is required',
      },
      { id: 'undefined', name: undefined, reason: 'is not an object' },
      { id: '', name: 'anon', reason: 'id must be a non-empty string' },
    ]);
    expect(snapshot.enabledRuleCount).toBe(0);
  });

  it('keeps the first of two rules with one name, or one id', () => {
    const first = rule('twin', { tier: 'a' });
    const twin = rule('twin', { tier: 'b' });
    const sameId = rule('other', { tier: 'b' }, { id: first.id });
    const snapshot = new RulesSnapshot([first, twin, sameId], 1);
    expect(snapshot.invalidRules.map(({ id, reason }) => [id, reason])).toEqual([
      [twin.id, 'the name "twin" is taken by another rule'],
      [first.id, 'the id is taken by another rule'],
    ]);
    expect(snapshot.ruleFor({ resource: 'r', tier: 'a' })).toBe(first);
  });

  it('leaves out a rule without a valid createdAt', () => {
    const stored = rule('dated', { tier: 'a' }, { createdAt: new Date(Number.NaN) });
    expect(new RulesSnapshot([stored], 1).invalidRules).toEqual([
      { id: stored.id, name: 'dated', reason: 'createdAt must be a valid Date' },
    ]);
  });
});

describe('RulesSnapshot.policyNamed', () => {
  const defaultPolicy = {
    name: 'default',
    algorithm: 'sliding_window' as const,
    limits: [{ limit: 5, windowMs: 1_000 }],
    shadow: false,
  };

  it('finds an enabled rule by name, a per-resource one with its resource, and the default by its name', () => {
    const snapshot = new RulesSnapshot(
      [
        rule('search', { resource: 'GET /search' }),
        rule('per', { resource: 'GET /v1/*' }, { perResource: true }),
        rule('off', { resource: 'GET /off' }, { enabled: false }),
      ],
      3,
      { defaultPolicy },
    );
    expect(snapshot.policyNamed('search')).toBe(snapshot.resolve({ resource: 'GET /search' }));
    expect(snapshot.policyNamed('per')).toBeUndefined();
    expect(snapshot.isPerResource('per')).toBe(true);
    expect(snapshot.policyNamed('per', 'GET /v1/a')).toBe(snapshot.resolve({ resource: 'GET /v1/a' }));
    expect(snapshot.policyNamed('off')).toBeUndefined();
    expect(snapshot.policyNamed('default')).toBe(defaultPolicy);
    expect(snapshot.policyNamed('nope')).toBeUndefined();
  });
});
