/**
 * Whatever the admin API accepts, every node can load: a body `validateRuleBody` accepts, stored as
 * JSON and read back (as Postgres' JSON columns and the snapshot in Redis give it), compiles in a
 * `RulesSnapshot` with nothing left out. So is a `PATCH` merged over an accepted rule.
 */
import fc from 'fast-check';
import { RulesSnapshot } from '../../src/rules/rules-snapshot.js';
import type { StoredRule } from '../../src/rules/rule.js';
import { validateRuleBody } from '../../src/rules/validate-rule-body.js';
import { acceptedCreateFields, createFields, ruleFields } from './rule-body.arbitrary.js';

const RUNS = 3_000;
/** Fewer: each base rule is drawn until one passes. */
const PATCH_RUNS = 800;

/** The value as a store gives it back: through JSON, with the columns a row adds. */
function stored(value: object, id: number): StoredRule {
  return {
    ...(JSON.parse(JSON.stringify(value)) as object),
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    version: 1,
    createdAt: new Date(1_700_000_000_000),
    updatedAt: new Date(1_700_000_000_000),
  } as StoredRule;
}

describe('rule bodies the API accepts', () => {
  it('always compile in a snapshot, with nothing left out', () => {
    let accepted = 0;
    fc.assert(
      fc.property(createFields, (fields) => {
        const result = validateRuleBody({ name: 'prop', ...fields }, 'create');
        if (result.errors !== undefined) return;
        accepted++;
        expect(new RulesSnapshot([stored(result.value, 1)], 1).invalidRules).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    // The property is about accepted bodies: enough of them must have been tried.
    expect(accepted).toBeGreaterThan(RUNS / 20);
  });

  it('always compile after an accepted PATCH is merged over an accepted rule', () => {
    let accepted = 0;
    fc.assert(
      fc.property(acceptedCreateFields, ruleFields, (base, patchFields) => {
        const rule = validateRuleBody({ name: 'prop', ...base }, 'create');
        const patch = validateRuleBody(patchFields, 'update');
        if (rule.errors !== undefined || patch.errors !== undefined) return;
        // As the repository does: null removes a field, the merge is checked whole.
        const merged: Record<string, unknown> = { ...rule.value, ...patch.value };
        for (const [field, value] of Object.entries(merged)) if (value === null) delete merged[field];
        const whole = validateRuleBody(merged, 'create');
        if (whole.errors !== undefined) return;
        accepted++;
        expect(new RulesSnapshot([stored(whole.value, 2)], 1).invalidRules).toEqual([]);
      }),
      { numRuns: PATCH_RUNS },
    );
    expect(accepted).toBeGreaterThan(PATCH_RUNS / 25);
  });
});
