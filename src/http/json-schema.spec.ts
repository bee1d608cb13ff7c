import { Ajv } from 'ajv';
import { CHECK_REQUEST_SCHEMA, RELEASE_REQUEST_SCHEMA } from '../check/check-request.js';
import { BODY_SCHEMA_OPTIONS, type BodySchema, compileBodySchema, reasonOf } from './json-schema.js';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 8 },
    note: { type: 'string', maxLength: 3 },
    count: { type: 'integer', minimum: 0, maximum: 9, default: 1 },
    at: { type: 'string', format: 'ip' },
    on: { type: 'boolean' },
  },
} as const satisfies BodySchema;

const check = compileBodySchema<{ name: string; count?: number }>(SCHEMA);

describe('compileBodySchema', () => {
  it('answers the body with its defaults applied', () => {
    expect(check({ name: 'a' })).toEqual({ value: { name: 'a', count: 1 } });
  });

  it('names every offending field once, declared fields in declaration order, unknown ones after', () => {
    expect(check({ zzz: 1, count: '5', name: null, note: 'long', at: '300.1.1.1', on: 'yes' }).errors).toEqual([
      { field: 'name', reason: 'is required' },
      { field: 'note', reason: 'must be a string of at most 3 characters' },
      { field: 'count', reason: 'must be an integer from 0 to 9' },
      { field: 'at', reason: 'must be an IPv4 or IPv6 address' },
      { field: 'on', reason: 'must be a boolean' },
      { field: 'zzz', reason: 'is not allowed' },
    ]);
  });

  it('refuses a missing field, a body that is no object, and keys named after Object.prototype members', () => {
    expect(check({}).errors).toEqual([{ field: 'name', reason: 'is required' }]);
    for (const body of [[], 'x', null, 5])
      expect(check(body).errors).toEqual([{ field: 'body', reason: 'must be a JSON object' }]);
    expect(check(JSON.parse('{"name":"a","toString":1,"constructor":2}')).errors).toEqual([
      { field: 'toString', reason: 'is not allowed' },
      { field: 'constructor', reason: 'is not allowed' },
    ]);
  });

  it('takes IPv4 and IPv6 addresses for format ip, and nothing else', () => {
    for (const at of ['203.0.113.7', '2001:db8::1', '::1']) expect(check({ name: 'a', at }).errors).toBeUndefined();
    for (const at of ['203.0.113', 'localhost', '2001:db8::/64', ''])
      expect(check({ name: 'a', at }).errors).toHaveLength(1);
  });
});

describe('the body schemas', () => {
  // The service compiles them without the meta-schema check (it costs every start): here it runs.
  it.each([
    ['CHECK_REQUEST_SCHEMA', CHECK_REQUEST_SCHEMA],
    ['RELEASE_REQUEST_SCHEMA', RELEASE_REQUEST_SCHEMA],
  ])('%s is a valid JSON schema', (_name, schema) => {
    const ajv = new Ajv({ ...BODY_SCHEMA_OPTIONS, validateSchema: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(ajv.errors ?? null).toBeNull();
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('catches a schema that breaks the meta-schema', () => {
    const ajv = new Ajv({ ...BODY_SCHEMA_OPTIONS, validateSchema: true });
    expect(ajv.validateSchema({ type: 'object', properties: { a: { type: 'strin' } } })).toBe(false);
  });
});

describe('reasonOf', () => {
  it('says what a property must be from its schema', () => {
    expect(reasonOf({ type: 'string', minLength: 1, maxLength: 256 })).toBe('must be a string of 1 to 256 characters');
    expect(reasonOf({ type: 'string' })).toBe('must be a string');
    expect(reasonOf({ type: 'integer', minimum: 1 })).toBe('must be an integer >= 1');
    expect(reasonOf({ type: 'integer' })).toBe('must be an integer');
    expect(reasonOf(undefined)).toBe('is not allowed');
  });
});
