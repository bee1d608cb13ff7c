import ipaddr from 'ipaddr.js';
import { isIPv4 } from 'node:net';

/** Identity of a request whose peer address is unknown (e.g. a Unix socket). */
export const UNKNOWN_IP = 'unknown';

/**
 * The address a client is counted by: IPv4 as is, an IPv4-mapped IPv6 address as its IPv4, and
 * IPv6 as its `/ipv6Subnet` network (`2001:db8:1:2::/64`), because one host commonly owns a whole
 * /64 and could otherwise rotate addresses to escape its limit.
 *
 * `address` is the one the HTTP adapter computed (`request.ip`), honouring Fastify's `trustProxy` or
 * Express's `trust proxy`; forwarding headers are never read here.
 */
export function clientIp(address: string | undefined, ipv6Subnet: number): string {
  // The common case, already canonical as the adapter reports it: no parsing on the request path.
  if (address !== undefined && isIPv4(address)) return address;
  if (address === undefined || !ipaddr.isValid(address)) return UNKNOWN_IP;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  if (ipv6Subnet >= 128) return new ipaddr.IPv6(v6.parts).toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${new ipaddr.IPv6(v6.parts).toString()}/${ipv6Subnet}`).toString()}/${ipv6Subnet}`;
}
