import { validateRuleBody } from './validate-rule-body.js';

const BODY = { name: 'api', match: { resource: 'GET /v1/*' }, limits: [{ limit: 10, windowMs: 1_000 }] };

describe('validateRuleBody', () => {
  it('lists every offending field, unknown fields first, then in body order', () => {
    const result = validateRuleBody(
      {
        name: 'Bad Name',
        extra: 1,
        match: { tier: '', nope: true },
        limits: [{ limit: -1, windowMs: 1_000 }, 'x', { limit: 1, windowMs: 1_000 }],
        shadow: 'no',
      },
      'create',
    );
    expect(result.errors).toEqual([
      { field: 'extra', reason: 'is not allowed' },
      { field: 'name', reason: 'must be 1 to 64 characters of [a-z0-9._-], starting with [a-z0-9]' },
      { field: 'match.nope', reason: 'is not allowed' },
      { field: 'match.tier', reason: 'must be a string of 1 to 64 characters' },
      { field: 'limits[0].limit', reason: 'must be an integer from 0 to 1000000000' },
      { field: 'limits[1]', reason: 'must be an object' },
      { field: 'shadow', reason: 'must be a boolean' },
      { field: 'limits[2].windowMs', reason: 'repeats 1000 from limits[0]: each limit needs its own window' },
    ]);
  });

  it('returns plain objects with the defaults applied on create', () => {
    const { value } = validateRuleBody(BODY, 'create');
    expect(value).toEqual({
      ...BODY,
      algorithm: 'sliding_window',
      enabled: true,
      shadow: false,
      priority: 0,
      perResource: false,
    });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(value!.match)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(value!.limits[0])).toBe(Object.prototype);
  });

  it('returns only the given fields on update, with no defaults', () => {
    expect(validateRuleBody({ shadow: true }, 'update')).toEqual({ value: { shadow: true } });
  });

  it('requires name, match and limits on create but not on update', () => {
    expect(validateRuleBody({}, 'create').errors).toEqual([
      { field: 'name', reason: 'is required' },
      { field: 'match', reason: 'is required' },
      { field: 'limits', reason: 'is required' },
    ]);
    expect(validateRuleBody({}, 'update')).toEqual({ value: {} });
  });

  it('does not change the body it is given', () => {
    const body = JSON.parse(
      '{"name":"api","match":{"resource":"a","constructor":1},"limits":[{"limit":1,"windowMs":1}]}',
    );
    const copy = structuredClone(body);
    validateRuleBody(body, 'create');
    expect(body).toEqual(copy);
  });

  it('refuses an inherited-looking key without touching any prototype', () => {
    const body = JSON.parse(
      '{"name":"api","match":{"resource":"a"},"limits":[{"limit":1,"windowMs":1,"__proto__":{"x":1}}]}',
    );
    expect(validateRuleBody(body, 'create').errors).toEqual([
      { field: 'limits[0].__proto__', reason: 'is not allowed' },
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
