import { BaseKeys, baseKey, groupedBaseKey } from './store-key.js';

describe('BaseKeys', () => {
  it('answers what baseKey() answers', () => {
    const keys = new BaseKeys('fg');
    for (const [rule, identity] of [
      ['search', 'ip:203.0.113.7'],
      ['search', 'ip:203.0.113.8'],
      ['login', 'ip:203.0.113.7'],
    ] as const) {
      expect(keys.of(rule, identity)).toBe(baseKey('fg', rule, identity));
      expect(keys.of(rule, identity)).toBe(baseKey('fg', rule, identity));
    }
  });

  it('keeps at most maxPerRule identities per rule and maxRules rules, still answering right past them', () => {
    const keys = new BaseKeys('fg', 3, 2);
    for (let i = 0; i < 10; i++) expect(keys.of(`r${i % 4}`, `id${i}`)).toBe(baseKey('fg', `r${i % 4}`, `id${i}`));
    const held = (keys as unknown as { byRule: Map<string, Map<string, string>> }).byRule;
    expect(held.size).toBeLessThanOrEqual(2);
    for (const perRule of held.values()) expect(perRule.size).toBeLessThanOrEqual(3);
  });

  it('keeps at most maxKeys in all, however they spread over rules, and counts what it drops', () => {
    const keys = new BaseKeys('fg', 100, 100, 5);
    const held = () => [...(keys as unknown as { byRule: Map<string, Map<string, string>> }).byRule.values()];
    for (let i = 0; i < 50; i++) expect(keys.of(`r${i % 7}`, `id${i}`)).toBe(baseKey('fg', `r${i % 7}`, `id${i}`));
    expect(held().reduce((n, perRule) => n + perRule.size, 0)).toBe(5);
    // The newest are the ones kept: the next lookups of them are cache hits.
    expect(
      held()
        .flatMap((perRule) => [...perRule.keys()])
        .sort(),
    ).toEqual(['id45', 'id46', 'id47', 'id48', 'id49']);
  });

  it("answers groupedBaseKey() for a group's counters, apart from the rule's own and within the same bound", () => {
    const keys = new BaseKeys('fg', 100, 100, 3);
    expect(keys.inGroup('envoy:shop', 'per-user', 'alice')).toBe(
      groupedBaseKey('fg', 'envoy:shop', 'per-user', 'alice'),
    );
    expect(keys.inGroup('envoy:shop', 'per-user', 'alice')).toBe(
      groupedBaseKey('fg', 'envoy:shop', 'per-user', 'alice'),
    );
    expect(keys.of('per-user', 'alice')).toBe(baseKey('fg', 'per-user', 'alice'));
    keys.inGroup('envoy:shop', 'per-user', 'bob');
    keys.inGroup('envoy:other', 'per-user', 'alice');
    const held = (keys as unknown as { byRule: Map<string, Map<string, string>> }).byRule;
    expect([...held.values()].reduce((n, perRule) => n + perRule.size, 0)).toBe(3);
  });
});
