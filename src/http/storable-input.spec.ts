import { MAX_INPUT_DEPTH, unstorableInput } from './storable-input.js';

function nested(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('unstorableInput', () => {
  it('accepts what Postgres can store: unicode, emoji pairs, RTL marks, control characters but U+0000', () => {
    expect(unstorableInput({ a: 'héllo 😀 \u200f\u0001', b: [1, true, null, { c: 'ok' }] })).toBeUndefined();
    expect(unstorableInput(nested(MAX_INPUT_DEPTH))).toBeUndefined();
    expect(unstorableInput(undefined)).toBeUndefined();
  });

  it('names the string field holding U+0000 or a lone surrogate', () => {
    expect(unstorableInput({ match: { resource: 'a\u0000' } })).toEqual({
      field: 'match.resource',
      reason: 'must not contain U+0000 or unpaired surrogates',
    });
    expect(unstorableInput({ limits: [{}, 'x\ud800'] })).toMatchObject({ field: 'limits[1]' });
    expect(unstorableInput({ d: '\udc00y' })).toMatchObject({ field: 'd' });
    expect(unstorableInput('\u0000')).toMatchObject({ field: 'body' });
    expect(unstorableInput({ 'k\u0000': 1 })).toEqual({
      field: 'body',
      reason: 'must not have a key with U+0000 or unpaired surrogates',
    });
  });

  it('refuses nesting deeper than the limit, without recursing (thousands of levels)', () => {
    expect(unstorableInput(nested(MAX_INPUT_DEPTH + 1))).toEqual({
      field: 'body',
      reason: `must not nest deeper than ${MAX_INPUT_DEPTH} levels`,
    });
    expect(unstorableInput({ clientId: nested(100_000) })).toMatchObject({ field: 'body' });
  });
});
