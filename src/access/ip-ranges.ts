import ipaddr from 'ipaddr.js';

/** An address or a range as an admin may give it: `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`. */
export interface IpRange {
  readonly family: 'ipv4' | 'ipv6';
  /** The network address, canonical (`203.0.113.0`). */
  readonly network: string;
  readonly prefixLength: number;
}

/**
 * Parses an address or a CIDR range into its canonical form: an IPv4-mapped IPv6 address counts as
 * IPv4, host bits are cleared (`203.0.113.7/24` is `203.0.113.0/24`). Undefined when it is neither.
 */
export function parseIpRange(text: string): IpRange | undefined {
  const addressText = text.split('/', 1)[0]!;
  // ipaddr also reads `203.0.113` and other shorthands as IPv4: only the four-part form is an address here.
  if (!addressText.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(addressText)) return undefined;
  try {
    const [address, prefix] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), undefined];
    let ip = address;
    let length = prefix ?? (address.kind() === 'ipv4' ? 32 : 128);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
      if (length < 96) return undefined;
      ip = (ip as ipaddr.IPv6).toIPv4Address();
      length -= 96;
    }
    return { family: ip.kind(), network: networkOf(ip, length), prefixLength: length };
  } catch {
    return undefined;
  }
}

/** `203.0.113.0/24`, or the bare address for a single host. */
export function formatIpRange(range: IpRange): string {
  const host = range.family === 'ipv4' ? 32 : 128;
  return range.prefixLength === host ? range.network : `${range.network}/${range.prefixLength}`;
}

function networkOf(ip: ipaddr.IPv4 | ipaddr.IPv6, length: number): string {
  const bytes = ip.toByteArray();
  for (let bit = length; bit < bytes.length * 8; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * A set of ranges, each with a value, answering which one covers an address most specifically
 * (the longest prefix). A lookup masks the address once per distinct prefix length in the set and
 * checks a map: a handful of lengths in practice, whatever the number of ranges.
 */
export class IpRangeMap<T> {
  /** Per family: prefix length (longest first) to network to value. */
  private readonly byLength = { ipv4: new Map<number, Map<string, T>>(), ipv6: new Map<number, Map<string, T>>() };

  constructor(entries: Iterable<readonly [IpRange, T]>) {
    const sorted = [...entries].sort(([a], [b]) => b.prefixLength - a.prefixLength);
    for (const [range, value] of sorted) {
      const lengths = this.byLength[range.family];
      let networks = lengths.get(range.prefixLength);
      if (networks === undefined) lengths.set(range.prefixLength, (networks = new Map()));
      if (!networks.has(range.network)) networks.set(range.network, value);
    }
    this.size = sorted.length;
  }

  readonly size: number;

  /**
   * The most specific range covering `address` with its prefix length, or undefined (also for a
   * non-address). `address` may come parsed (`parseIpRange`), for a caller asking several maps.
   */
  match(address: string | IpRange): { readonly value: T; readonly prefixLength: number } | undefined {
    for (const match of this.matches(address)) return match;
    return undefined;
  }

  /** Every range covering `address` (text, or parsed by `parseIpRange`), the most specific first. */
  *matches(address: string | IpRange): Generator<{ readonly value: T; readonly prefixLength: number }> {
    if (this.size === 0) return;
    const host = typeof address === 'string' ? parseIpRange(address) : address;
    if (host === undefined) return;
    const ip = ipaddr.parse(host.network);
    for (const [length, networks] of this.byLength[host.family]) {
      if (length > host.prefixLength) continue;
      const value = networks.get(networkOf(ip, length));
      if (value !== undefined) yield { value, prefixLength: length };
    }
  }
}
