/**
 * fast-check arbitraries of rule bodies: mostly well-formed fields, each of which may instead be a
 * hostile value (nested empty arrays, `{}`, `null`, wrong types, keys named after
 * `Object.prototype` members). Bodies close to valid ones reach the deep checks; the hostile
 * values are the shapes that once got a rule stored that no snapshot could load.
 */
import fc from 'fast-check';
import { ALGORITHMS } from '../../src/limiter/algorithms.js';
import { validateRuleBody } from '../../src/rules/validate-rule-body.js';

/** Values that are wrong wherever they appear. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>([], [[]], [[[]]], [{}], {}, null, '', 'x', 0, -1, 1.5, true, '5'),
  fc.constant({ toString: 1 }),
  fc.constant({ valueOf: 'x', hasOwnProperty: 2 }),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.anything({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Mostly `valid`, now and then hostile: often enough to try every shape, rarely enough that bodies pass. */
function orHostile<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: hostile });
}

const limit = orHostile(
  fc.record(
    {
      limit: fc.integer({ min: 0, max: 1_000 }),
      windowMs: fc.integer({ min: 1, max: 3_600_000 }),
      burst: fc.integer({ min: 0, max: 2_000 }),
    },
    { requiredKeys: ['limit', 'windowMs'] },
  ),
);
const limits = orHostile(fc.array(limit, { minLength: 1, maxLength: 3 }));
const resource = fc.constantFrom('GET /a', 'GET /b/*', '*', 'POST /c');

const httpMatch = fc.record(
  { resource, tier: fc.constantFrom('free', 'pro'), clientId: fc.constantFrom('acct-1', 'acct-2') },
  { requiredKeys: [] },
);
/** Mostly an Envoy rule's match; now and then with an HTTP selector or without its domain. */
const envoyMatch = fc.record(
  {
    domain: fc.constantFrom('shop', 'api'),
    descriptors: orHostile(
      fc.array(
        orHostile(
          fc.record(
            { key: fc.constantFrom('remote_address', 'path'), value: fc.constantFrom('/a', '10.0.0.1') },
            { requiredKeys: ['key'] },
          ),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    ),
    resource: fc.constant('GET /a'),
  },
  { requiredKeys: [] },
);

/**
 * The fields of a rule body or a `PATCH` body, each present or not; `name` is left out (the caller
 * gives each rule a unique one, so a name taken does not hide what the property is about).
 */
export const ruleFields: fc.Arbitrary<Record<string, unknown>> = fields([]);

/** As `ruleFields`, with what a create needs (`match`, `limits`) always there. */
export const createFields: fc.Arbitrary<Record<string, unknown>> = fields(['match', 'limits']);

/**
 * Only the create bodies `validateRuleBody` accepts (about 7% of `createFields`), for properties
 * about accepted bodies that must try many of them whatever the draw.
 */
export const acceptedCreateFields: fc.Arbitrary<Record<string, unknown>> = createFields.filter(
  (body) => validateRuleBody({ name: 'accepted', ...body }, 'create').errors === undefined,
);

/** Only the `PATCH` bodies `validateRuleBody` accepts on their own (about 9% of `ruleFields`). */
export const acceptedPatchFields: fc.Arbitrary<Record<string, unknown>> = ruleFields.filter(
  (body) => validateRuleBody(body, 'update').errors === undefined,
);

function fields(requiredKeys: ('match' | 'limits')[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      description: orHostile(fc.string({ maxLength: 20 })),
      match: orHostile(fc.oneof({ weight: 3, arbitrary: httpMatch }, { weight: 1, arbitrary: envoyMatch })),
      algorithm: orHostile(fc.constantFrom(...ALGORITHMS)),
      limits,
      enabled: orHostile(fc.boolean()),
      shadow: orHostile(fc.boolean()),
      priority: orHostile(fc.integer({ min: -10, max: 10 })),
      perResource: orHostile(fc.boolean()),
      blockDurationMs: orHostile(fc.integer({ min: 1, max: 120_000 })),
      penalty: orHostile(
        fc.record(
          {
            blockDurationMs: fc.integer({ min: 1, max: 120_000 }),
            multiplier: fc.integer({ min: 1, max: 4 }),
            decayMs: fc.integer({ min: 1, max: 600_000 }),
            maxBlockMs: fc.integer({ min: 120_000, max: 600_000 }),
          },
          { requiredKeys: ['blockDurationMs'] },
        ),
      ),
      stateLimits: orHostile(fc.record({ NORMAL: limits, DEGRADED: limits }, { requiredKeys: [] })),
      countOnly: orHostile(fc.constantFrom('failed', 'succeeded')),
    },
    { requiredKeys },
  );
}
