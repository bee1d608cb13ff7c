import { readCredential } from './authorization-header.js';

describe('readCredential', () => {
  it.each([
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['Bearer abc.DEF-123_~+/=', { kind: 'bearer', token: 'abc.DEF-123_~+/=' }],
    ['bearer abc', { kind: 'bearer', token: 'abc' }],
    ['BEARER  abc ', { kind: 'bearer', token: 'abc' }],
    ['Bearer', { kind: 'malformed' }],
    ['Bearer ', { kind: 'malformed' }],
    ['Bearer a b', { kind: 'malformed' }],
    ['Basic YWRtaW46c2VjcmV0', { kind: 'malformed' }],
    ['Bearerabc', { kind: 'malformed' }],
    ['Token abc', { kind: 'malformed' }],
    [['Bearer abc'], { kind: 'malformed' }],
  ])('reads %j as %j', (header, expected) => {
    expect(readCredential(header)).toEqual(expected);
  });
});
