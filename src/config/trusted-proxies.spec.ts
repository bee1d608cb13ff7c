import { InvalidTrustedProxyError, parseTrustedProxies, trustedProxyMatcher } from './trusted-proxies.js';

describe('trustedProxyMatcher', () => {
  it('trusts the addresses, ranges and named ranges listed, and nothing else', () => {
    const trusted = trustedProxyMatcher(['10.0.0.0/8', '192.168.1.1', 'fd00::/8', 'loopback']);
    const verdicts = Object.fromEntries(
      ['10.1.2.3', '192.168.1.1', '192.168.1.2', 'fd12::1', 'fe80::1', '127.0.0.1', '127.9.9.9', '::1', '11.0.0.1'].map(
        (address) => [address, trusted(address)],
      ),
    );
    expect(verdicts).toEqual({
      '10.1.2.3': true,
      '192.168.1.1': true,
      '192.168.1.2': false,
      'fd12::1': true,
      'fe80::1': false,
      '127.0.0.1': true,
      '127.9.9.9': true,
      '::1': true,
      '11.0.0.1': false,
    });
  });

  it('matches an IPv4-mapped IPv6 peer against IPv4 entries and an IPv4 peer against mapped IPv6 ones, as proxy-addr does', () => {
    expect(trustedProxyMatcher(['loopback'])('::ffff:127.0.0.1')).toBe(true);
    expect(trustedProxyMatcher(['10.0.0.0/8'])('::ffff:10.0.0.7')).toBe(true);
    expect(trustedProxyMatcher(['::ffff:10.0.0.0/104'])('10.0.0.7')).toBe(true);
    expect(trustedProxyMatcher(['10.0.0.0/8'])('::ffff:11.0.0.7')).toBe(false);
  });

  it('names linklocal and uniquelocal as proxy-addr does', () => {
    const linklocal = trustedProxyMatcher(['linklocal']);
    expect([linklocal('169.254.3.4'), linklocal('fe80::9'), linklocal('10.0.0.1')]).toEqual([true, true, false]);
    const uniquelocal = trustedProxyMatcher(['uniquelocal']);
    expect(['10.9.9.9', '172.31.0.1', '172.32.0.1', '192.168.0.1', 'fc00::1', 'fe80::1'].map(uniquelocal)).toEqual([
      true,
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it('trusts no one without entries, and never an address it cannot read', () => {
    expect(trustedProxyMatcher([])('127.0.0.1')).toBe(false);
    const trusted = trustedProxyMatcher(['loopback']);
    expect([trusted(undefined), trusted(''), trusted('unix:'), trusted('localhost')]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('parseTrustedProxies', () => {
  it("refuses a name of Object.prototype's, which is no named range", () => {
    expect(() => parseTrustedProxies('toString')).toThrow(InvalidTrustedProxyError);
    expect(parseTrustedProxies(' loopback , 10.0.0.0/8 ')).toEqual(['loopback', '10.0.0.0/8']);
  });
});
