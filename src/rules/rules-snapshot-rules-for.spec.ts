import type { PolicyQuery } from '../limiter/policy/policy-resolver.js';
import type { StoredRule } from './rule.js';
import { storedRule as rule } from '../../test/rules/support/stored-rule.js';
import { RulesSnapshot } from './rules-snapshot.js';

const FULL: PolicyQuery = { resource: 'GET /v1/search', tier: 'free', clientId: 'acct_1' };

function names(rules: StoredRule[], query: PolicyQuery): string[] {
  return new RulesSnapshot(rules, 1).rulesFor(query).map((r) => r.name);
}

describe('RulesSnapshot.rulesFor', () => {
  it('lists every applying rule in ladder order, the winner first', () => {
    const rules = [
      rule('glob-short', { resource: 'GET *' }),
      rule('resource-exact', { resource: 'GET /v1/search' }),
      rule('tier', { tier: 'free' }),
      rule('client', { clientId: 'acct_1' }),
      rule('glob-long', { resource: 'GET /v1/*' }),
      rule('tier-resource', { tier: 'free', resource: '*' }),
      rule('client-tier-resource', { clientId: 'acct_1', tier: 'free', resource: 'GET /v1/*' }),
      rule('client-tier', { clientId: 'acct_1', tier: 'free' }),
    ];
    const snapshot = new RulesSnapshot(rules, 1);
    expect(names(rules, FULL)).toEqual([
      'client-tier-resource',
      'client-tier',
      'tier-resource',
      'client',
      'tier',
      'resource-exact',
      'glob-long',
      'glob-short',
    ]);
    expect(snapshot.rulesFor(FULL)[0]).toBe(snapshot.ruleFor(FULL));
  });

  it('keeps losers the lookup index drops: equal rules by priority, then age', () => {
    const rules = [
      rule('old', { tier: 'free' }),
      rule('young', { tier: 'free' }),
      rule('high', { tier: 'free' }, { priority: 5 }),
    ];
    expect(names(rules, FULL)).toEqual(['high', 'old', 'young']);
  });

  it('leaves out rules that do not apply and disabled ones', () => {
    const rules = [
      rule('other-client', { clientId: 'acct_2' }),
      rule('other-tier', { tier: 'pro' }),
      rule('other-resource', { resource: 'POST *' }),
      rule('disabled', { resource: '*' }, { enabled: false }),
      rule('catch-all', { resource: '*' }),
    ];
    expect(names(rules, FULL)).toEqual(['catch-all']);
    expect(names(rules, { resource: 'POST /x' })).toEqual(['other-resource', 'catch-all']);
    expect(names([], FULL)).toEqual([]);
  });

  it('never applies a tier rule to a query without a tier', () => {
    const rules = [rule('tier', { tier: 'free' }), rule('resource', { resource: 'GET *' })];
    expect(names(rules, { resource: 'GET /a', clientId: 'acct_1' })).toEqual(['resource']);
  });
});
