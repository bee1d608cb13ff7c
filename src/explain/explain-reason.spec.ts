import type { RuleMatch, StoredRule } from '../rules/rule.js';
import { describeSpecificity, specificityOf, winReason } from './explain-reason.js';

const T0 = Date.UTC(2025, 0, 1);

function rule(name: string, match: RuleMatch, extra: Partial<StoredRule> = {}): StoredRule {
  return {
    id: `00000000-0000-4000-8000-00000000000${name.length % 10}`,
    version: 1,
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    name,
    match,
    limits: [{ limit: 1, windowMs: 1_000 }],
    ...extra,
  };
}

describe('explain reasons', () => {
  it('describes a rule by its selectors, resource kind, priority and age', () => {
    const glob = specificityOf(rule('g', { resource: 'GET /v1/*', tier: 'free' }, { priority: 3 }));
    expect(glob).toEqual({
      selectors: ['tier', 'resource'],
      resourceMatch: 'glob',
      literalLength: 8,
      priority: 3,
      createdAt: new Date(T0),
    });
    expect(describeSpecificity(glob)).toBe(
      'tier+resource; resource glob with 8 literal characters; priority 3; created 2025-01-01T00:00:00.000Z',
    );
    expect(describeSpecificity(specificityOf(rule('c', { clientId: 'a' })))).toBe(
      'clientId; priority 0; created 2025-01-01T00:00:00.000Z',
    );
  });

  it('names the first step of the ladder where winner and runner-up differ', () => {
    const cases: [StoredRule, StoredRule, string][] = [
      [
        rule('w', { clientId: 'a', tier: 't' }),
        rule('r', { clientId: 'a' }),
        'names more selectors (clientId+tier) than "r" (clientId)',
      ],
      [
        rule('w', { clientId: 'a', resource: '*' }),
        rule('r', { tier: 't', resource: '*' }),
        'as many selectors as "r", but names clientId (clientId over tier over resource): clientId+resource over tier+resource',
      ],
      [rule('w', { resource: 'GET /a' }), rule('r', { resource: 'GET *' }), 'an exact resource over the glob of "r"'],
      [
        rule('w', { resource: 'GET /v1/*' }),
        rule('r', { resource: 'GET *' }),
        'a resource glob with more literal characters (8) than "r" (4)',
      ],
      [
        rule('w', { tier: 't' }, { priority: 2 }),
        rule('r', { tier: 't' }),
        'equally specific as "r"; higher priority (2 over 0)',
      ],
      [
        rule('w', { tier: 't' }),
        rule('r', { tier: 't' }, { createdAt: new Date(T0 + 1) }),
        'equally specific as "r" with the same priority; older (created 2025-01-01T00:00:00.000Z)',
      ],
      [
        rule('w', { tier: 't' }),
        rule('r', { tier: 't' }),
        'equally specific as "r", same priority and age; the lower id',
      ],
    ];
    for (const [winner, runnerUp, reason] of cases) expect(winReason(winner, runnerUp)).toBe(reason);
    expect(winReason(rule('w', { tier: 't' }), undefined)).toBe('the only rule that matches');
  });
});
