import ipaddr from 'ipaddr.js';

/** proxy-addr's named ranges, which Fastify's `trustProxy` accepts as well. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

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

function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const slash = entry.indexOf('/');
  if (slash < 0) return ipaddr.IPv4.isValidFourPartDecimal(entry) || ipaddr.IPv6.isValid(entry);
  return ipaddr.IPv4.isValidCIDRFourPartDecimal(entry) || (entry.includes(':') && ipaddr.IPv6.isValidCIDR(entry));
}
