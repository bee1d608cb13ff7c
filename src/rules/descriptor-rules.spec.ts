import type { DescriptorEntry } from './descriptor-rules.js';
import type { StoredRule } from './rule.js';
import { storedRule as rule } from '../../test/rules/support/stored-rule.js';
import { RulesSnapshot } from './rules-snapshot.js';

const entries = (...pairs: [string, string][]): DescriptorEntry[] => pairs.map(([key, value]) => ({ key, value }));

/** The name of the rule that takes the descriptor. */
function taker(rules: StoredRule[], domain: string, descriptor: DescriptorEntry[]): string | undefined {
  return new RulesSnapshot(rules, 1).descriptorPolicy(domain, descriptor)?.name;
}

describe('RulesSnapshot: Envoy descriptors', () => {
  it('takes a descriptor with exactly the entries of a rule, in order, any value where the rule names none', () => {
    const rules = [rule('by-ip', { domain: 'shop', descriptors: [{ key: 'remote_address' }] })];
    expect(taker(rules, 'shop', entries(['remote_address', '10.0.0.1']))).toBe('by-ip');
    expect(taker(rules, 'shop', entries(['remote_address', '10.0.0.2']))).toBe('by-ip');
    // Another key, more entries, another domain: not this rule's.
    expect(taker(rules, 'shop', entries(['user', 'alice']))).toBeUndefined();
    expect(taker(rules, 'shop', entries(['remote_address', '10.0.0.1'], ['path', '/']))).toBeUndefined();
    expect(taker(rules, 'other', entries(['remote_address', '10.0.0.1']))).toBeUndefined();
  });

  it('matches a value exactly and entries in their order', () => {
    const rules = [
      rule('search', {
        domain: 'shop',
        descriptors: [
          { key: 'auth', value: 'no' },
          { key: 'path', value: '/search' },
        ],
      }),
    ];
    expect(taker(rules, 'shop', entries(['auth', 'no'], ['path', '/search']))).toBe('search');
    expect(taker(rules, 'shop', entries(['auth', 'no'], ['path', '/search/x']))).toBeUndefined();
    expect(taker(rules, 'shop', entries(['path', '/search'], ['auth', 'no']))).toBeUndefined();
  });

  it('prefers the rule naming a value at the first entry where they differ, then priority, then the older', () => {
    const rules = [
      rule('any-any', { domain: 'shop', descriptors: [{ key: 'a' }, { key: 'b' }] }),
      rule('any-value', { domain: 'shop', descriptors: [{ key: 'a' }, { key: 'b', value: '2' }] }),
      rule('value-any', { domain: 'shop', descriptors: [{ key: 'a', value: '1' }, { key: 'b' }] }),
    ];
    expect(taker(rules, 'shop', entries(['a', '1'], ['b', '2']))).toBe('value-any');
    expect(taker(rules, 'shop', entries(['a', '9'], ['b', '2']))).toBe('any-value');
    expect(taker(rules, 'shop', entries(['a', '9'], ['b', '9']))).toBe('any-any');
    const tie = [
      rule('older', { domain: 'shop', descriptors: [{ key: 'a' }] }),
      rule('newer', { domain: 'shop', descriptors: [{ key: 'a' }] }),
      rule('low', { domain: 'shop', descriptors: [{ key: 'a' }] }, { priority: -1 }),
    ];
    expect(taker(tie, 'shop', entries(['a', '1']))).toBe('older');
    expect(
      taker(
        [...tie, rule('high', { domain: 'shop', descriptors: [{ key: 'a' }] }, { priority: 5 })],
        'shop',
        entries(['a', '1']),
      ),
    ).toBe('high');
  });

  it('falls to the domain rule without descriptors for what no other rule takes', () => {
    const rules = [
      rule('shop-any', { domain: 'shop' }),
      rule('by-user', { domain: 'shop', descriptors: [{ key: 'user' }] }),
    ];
    expect(taker(rules, 'shop', entries(['user', 'alice']))).toBe('by-user');
    expect(taker(rules, 'shop', entries(['path', '/'], ['method', 'GET']))).toBe('shop-any');
    expect(taker(rules, 'elsewhere', entries(['path', '/']))).toBeUndefined();
  });

  it('keeps Envoy rules and HTTP rules apart, disabled ones out, and the load state in force', () => {
    const rules = [
      rule('shop-any', { domain: 'shop' }, { stateLimits: { DEGRADED: [{ limit: 1, windowMs: 1_000 }] } }),
      rule('off', { domain: 'shop', descriptors: [{ key: 'user' }] }, { enabled: false }),
      rule('search', { resource: 'GET /search' }),
    ];
    const snapshot = new RulesSnapshot(rules, 1);
    expect(snapshot.invalidRules).toEqual([]);
    expect(snapshot.enabledRuleCount).toBe(2);
    expect(snapshot.descriptorPolicy('shop', entries(['user', 'alice']))?.name).toBe('shop-any');
    expect(snapshot.descriptorPolicy('shop', entries(['user', 'a']), 'DEGRADED')?.limits).toEqual([
      { limit: 1, windowMs: 1_000 },
    ]);
    // An HTTP query never sees an Envoy rule, not even one that names no HTTP selector.
    expect(snapshot.resolve({ resource: 'GET /other' })).toBeUndefined();
    expect(snapshot.rulesFor({ resource: 'GET /search' }).map((r) => r.name)).toEqual(['search']);
    expect(snapshot.policyNamed('shop-any')).toBeUndefined();
    // The same policy object each time: metrics and the denial cache key on it.
    expect(snapshot.descriptorPolicy('shop', entries(['x', '1']))).toBe(
      snapshot.descriptorPolicy('shop', entries(['y', '2'])),
    );
  });

  it('leaves out a stored Envoy rule that could not be enforced, naming why', () => {
    const bad = rule('bad', { domain: 'shop', descriptors: [{ key: 'user' }] }, { algorithm: 'concurrency' });
    const snapshot = new RulesSnapshot([bad, rule('fine', { domain: 'shop' })], 1);
    expect(snapshot.invalidRules).toEqual([
      {
        id: bad.id,
        name: 'bad',
        reason:
          'algorithm concurrency does not apply to an Envoy rule (match.domain): Envoy never tells when a request ends',
      },
    ]);
    expect(snapshot.descriptorPolicy('shop', entries(['user', 'a']))?.name).toBe('fine');
  });
});
