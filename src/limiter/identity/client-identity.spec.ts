import type { ExecutionContext } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ClientIdentity } from './client-identity.js';
import { clientIp } from './client-ip.js';

function contextOf(request: object): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe('clientIp', () => {
  it.each([
    ['203.0.113.7', 64, '203.0.113.7'],
    ['::ffff:203.0.113.7', 64, '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:5:6', 48, '2001:db8:1::/48'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 128, '2001:db8::1'],
    [undefined, 64, 'unknown'],
    ['not an ip', 64, 'unknown'],
  ])('%s with /%i is %s', (address, subnet, expected) => {
    expect(clientIp(address, subnet)).toBe(expected);
  });
});

describe('ClientIdentity', () => {
  const identity = new ClientIdentity();
  const ip = '198.51.100.4';

  it('names an IP client', () => {
    expect(identity.of('ip', contextOf({ ip, headers: {} }))).toBe('ip:198.51.100.4');
  });

  it('names a user by id, else sub, else falls back to the IP', () => {
    expect(identity.of('user', contextOf({ ip, headers: {}, user: { id: 42, sub: 'x' } }))).toBe('user:42');
    expect(identity.of('user', contextOf({ ip, headers: {}, user: { sub: 'auth0|7' } }))).toBe('user:auth0|7');
    expect(identity.of('user', contextOf({ ip, headers: {}, user: { id: {} } }))).toBe('ip:198.51.100.4');
    expect(identity.of('user', contextOf({ ip, headers: {} }))).toBe('ip:198.51.100.4');
  });

  it('names an API key by its SHA-256, never the key itself, else falls back to the IP', () => {
    const hash = createHash('sha256').update('secret-key').digest('hex');
    expect(identity.of('apiKey', contextOf({ ip, headers: { 'x-api-key': 'secret-key' } }))).toBe(`key:${hash}`);
    expect(identity.of('apiKey', contextOf({ ip, headers: {} }))).toBe('ip:198.51.100.4');
  });

  it('prefixes what a key function returns, and rejects a non-string', () => {
    expect(identity.of(() => 'tenant-1', contextOf({ ip, headers: {} }))).toBe('custom:tenant-1');
    expect(() => identity.of((() => 7) as unknown as () => string, contextOf({ ip, headers: {} }))).toThrow(
      '@RateLimit() key function returned number; it must return a string',
    );
  });

  it('rejects an impossible IPv6 subnet', () => {
    expect(() => new ClientIdentity(129)).toThrow(
      'RateLimitModule: "ipv6Subnet" must be an integer from 1 to 128, got 129',
    );
  });
});
