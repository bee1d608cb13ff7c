import ipaddr from 'ipaddr.js';

/**
 * proxy-addr's named ranges, which Fastify's `trustProxy` accepts as well, with the ranges
 * proxy-addr gives them (so a name means here what it means to Fastify).
 */
const NAMED_RANGES: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Thrown for a TRUSTED_PROXIES entry that is neither an address, a CIDR nor a named range. */
export class InvalidTrustedProxyError extends Error {}

/**
 * Parses TRUSTED_PROXIES (comma-separated IPv4/IPv6 addresses or CIDRs, or `loopback`,
 * `linklocal`, `uniquelocal`) into the list Fastify takes as `trustProxy`.
 */
export function parseTrustedProxies(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      if (!isProxyEntry(entry)) {
        throw new InvalidTrustedProxyError(`"${entry}" is not an IP address, a CIDR or loopback/linklocal/uniquelocal`);
      }
      return entry;
    });
}

/**
 * Whether an address is one of the trusted proxies (see `trustedProxyMatcher`).
 *
 * @example
 * const trusted = trustedProxyMatcher(['loopback', '10.0.0.0/8']);
 * trusted('::ffff:127.0.0.1'); // true
 */
export type TrustedProxyMatcher = (address: string | undefined) => boolean;

/**
 * Compiles entries `parseTrustedProxies` accepted into a matcher that trusts exactly the peers
 * Fastify's `trustProxy` trusts: for the headers Fastify does not read itself (`X-Real-IP`), the
 * same list must decide. As proxy-addr does, an IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`) matches
 * IPv4 entries and an IPv4 peer matches IPv6 entries through its mapped form.
 */
export function trustedProxyMatcher(entries: readonly string[]): TrustedProxyMatcher {
  const ranges = entries
    .flatMap((entry) => (Object.hasOwn(NAMED_RANGES, entry) ? NAMED_RANGES[entry]! : [entry]))
    .map(rangeOf);
  if (ranges.length === 0) return () => false;
  return (address) => {
    if (address === undefined || !ipaddr.isValid(address)) return false;
    const peer = ipaddr.parse(address);
    return ranges.some(([network, bits]) => {
      const candidate = sameKind(peer, network.kind());
      return candidate !== undefined && candidate.match(network, bits);
    });
  };
}

function rangeOf(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry);
  const address = ipaddr.parse(entry);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/** The peer as an address of `kind`, if it has such a form. */
function sameKind(peer: ipaddr.IPv4 | ipaddr.IPv6, kind: 'ipv4' | 'ipv6'): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (peer.kind() === kind) return peer;
  if (peer instanceof ipaddr.IPv4) return peer.toIPv4MappedAddress();
  return peer.isIPv4MappedAddress() ? peer.toIPv4Address() : undefined;
}

function isProxyEntry(entry: string): boolean {
  if (Object.hasOwn(NAMED_RANGES, entry)) return true;
  const slash = entry.indexOf('/');
  if (slash < 0) return ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry);
  return ipaddr.IPv4.isValidCIDRFourPartDecimal(entry) || (entry.includes(':') && ipaddr.IPv6.isValidCIDR(entry));
}
