import type { CheckCallerToken } from '../check/check.options.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TOKEN = /^[\x21-\x7e]{16,1024}$/;

/**
 * CHECK_TOKENS: `name=token` pairs separated by commas, one per service that may call
 * `/v1/check` (`orders=3f9c...,search=a81b...`). Names are 1 to 64 of `[a-z0-9._-]`, unique;
 * tokens 16 to 1024 printable ASCII characters without spaces or commas, unique. Throws with a
 * reason that never repeats a token.
 *
 * @example
 * parseCheckTokens('orders=0123456789abcdef01'); // [{ name: 'orders', token: '0123456789abcdef01' }]
 */
export function parseCheckTokens(value: string): CheckCallerToken[] {
  const tokens: CheckCallerToken[] = [];
  for (const [i, item] of value.split(',').entries()) {
    const at = item.indexOf('=');
    const name = item.slice(0, Math.max(at, 0)).trim();
    const token = at < 0 ? '' : item.slice(at + 1).trim();
    if (!NAME.test(name)) {
      throw new Error(`entry ${i + 1}: the name must be 1 to 64 of [a-z0-9._-] before "=" (name=token)`);
    }
    if (!TOKEN.test(token) || token.includes(',')) {
      throw new Error(
        `entry ${i + 1} (${name}): the token must be 16 to 1024 printable ASCII characters without spaces or commas`,
      );
    }
    if (tokens.some((other) => other.name === name))
      throw new Error(`entry ${i + 1}: the name "${name}" is given twice`);
    if (tokens.some((other) => other.token === token))
      throw new Error(`entry ${i + 1} (${name}): its token is another entry's`);
    tokens.push({ name, token });
  }
  return tokens;
}
