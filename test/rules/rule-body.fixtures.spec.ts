import { readdirSync, readFileSync } from 'node:fs';
import { validateRuleBody } from '../../src/rules/validate-rule-body.js';

interface Fixture {
  readonly mode?: 'create' | 'update';
  readonly body: unknown;
  readonly error?: { readonly field: string; readonly reason: string };
  readonly value?: unknown;
}

const FIXTURES = new URL('./fixtures/', import.meta.url);

function fixtures(kind: 'valid' | 'invalid'): [string, Fixture][] {
  const dir = new URL(`${kind}/`, FIXTURES);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file.slice(0, -'.json'.length), JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture]);
}

const invalid = fixtures('invalid');
const valid = fixtures('valid');

describe('rule body fixtures', () => {
  it('has a fixture per invalid case and valid ones beside them', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
    expect(valid.length).toBeGreaterThan(0);
  });

  // Each fixture is written to break exactly one thing, so its error is the only one.
  it.each(invalid)('refuses %s', (_case, { mode = 'create', body, error }) => {
    const result = validateRuleBody(body, mode as 'create');
    expect(result.value).toBeUndefined();
    expect(result.errors).toEqual([error]);
  });

  it.each(valid)('accepts %s', (_case, { mode = 'create', body, value }) => {
    const result = validateRuleBody(body, mode as 'create');
    expect(result.errors).toBeUndefined();
    expect(result.value).toEqual(value);
  });
});
