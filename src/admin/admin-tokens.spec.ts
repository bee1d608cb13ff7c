import { AdminTokens, tokenDigest, tokenMatches } from './admin-tokens.js';

describe('tokenMatches', () => {
  const token = 'kq3V8x1n-Zt0aP2rW9sY4uB6cD5eF7gH';
  const expected = tokenDigest(token);

  it('accepts the token and rejects any other', () => {
    expect(tokenMatches(token, expected)).toBe(true);
    expect(tokenMatches(`${token.slice(0, -1)}I`, expected)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['a prefix', token.slice(0, 8)],
    ['one character shorter', token.slice(0, -1)],
    ['one character longer', `${token}x`],
    ['much longer', token.repeat(100)],
    ['multi-byte', 'é'.repeat(token.length)],
  ])('compares a token of another length (%s) as 32-byte digests, without throwing', (_, presented) => {
    expect(tokenDigest(presented)).toHaveLength(expected.length);
    expect(() => tokenMatches(presented, expected)).not.toThrow();
    expect(tokenMatches(presented, expected)).toBe(false);
  });
});

describe('AdminTokens', () => {
  it('names the actor of each token', () => {
    const tokens = new AdminTokens({ token: 'admin-secret', readonlyToken: 'read-secret' });
    expect(tokens.actorOf('admin-secret')).toBe('admin');
    expect(tokens.actorOf('read-secret')).toBe('admin-readonly');
    expect(tokens.actorOf('other')).toBeUndefined();
  });

  it('knows no read-only token unless one is configured', () => {
    expect(new AdminTokens({ token: 'admin-secret' }).actorOf('')).toBeUndefined();
  });

  it.each([
    [{ token: '' }, 'AdminModule: "token" must be a non-empty string of visible ASCII characters (no spaces)'],
    [
      { token: undefined as unknown as string },
      'AdminModule: "token" must be a non-empty string of visible ASCII characters (no spaces)',
    ],
    [{ token: 'my secret' }, 'AdminModule: "token" must be a non-empty string of visible ASCII characters (no spaces)'],
    [
      { token: 'admin-secret', readonlyToken: 'tab\tsecret' },
      'AdminModule: "readonlyToken" must be a non-empty string of visible ASCII characters (no spaces)',
    ],
    [{ token: 'same-secret', readonlyToken: 'same-secret' }, 'AdminModule: "readonlyToken" must differ from "token"'],
  ])('rejects %j without repeating the value', (options, message) => {
    expect(() => new AdminTokens(options)).toThrow(message);
  });
});
