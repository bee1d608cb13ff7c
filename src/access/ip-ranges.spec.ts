import { formatIpRange, IpRangeMap, parseIpRange } from './ip-ranges.js';

describe('parseIpRange', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7/24', '203.0.113.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:1:2:3::/48', '2001:db8:1::/48'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.0/120', '203.0.113.0/24'],
  ])('reads %s as %s', (text, canonical) => {
    expect(formatIpRange(parseIpRange(text)!)).toBe(canonical);
  });

  it.each(['', 'abc', '203.0.113', '203.0.113.7/33', '2001:db8::/129', '10.0.0.1/-1', '::ffff:1.2.3.4/64', '1.2.3.4 '])(
    'refuses %j',
    (text) => {
      expect(parseIpRange(text)).toBeUndefined();
    },
  );
});

describe('IpRangeMap', () => {
  const map = new IpRangeMap<string>(
    [
      ['10.0.0.0/8', 'wide'],
      ['10.1.0.0/16', 'narrow'],
      ['10.1.2.3', 'host'],
      ['2001:db8::/32', 'v6'],
    ].map(([range, value]) => [parseIpRange(range!)!, value!] as const),
  );

  it('answers the most specific range covering an address, with its prefix length', () => {
    expect(map.match('10.1.2.3')).toEqual({ value: 'host', prefixLength: 32 });
    expect(map.match('10.1.9.9')).toEqual({ value: 'narrow', prefixLength: 16 });
    expect(map.match('10.200.0.1')).toEqual({ value: 'wide', prefixLength: 8 });
    expect(map.match('::ffff:10.1.2.3')).toEqual({ value: 'host', prefixLength: 32 });
    expect(map.match('2001:db8:ffff::1')).toEqual({ value: 'v6', prefixLength: 32 });
  });

  it('answers nothing for an address outside every range, or for what is not an address', () => {
    expect(map.match('11.0.0.1')).toBeUndefined();
    expect(map.match('2001:db9::1')).toBeUndefined();
    expect(map.match('unknown')).toBeUndefined();
    expect(new IpRangeMap([]).match('10.1.2.3')).toBeUndefined();
  });
});
