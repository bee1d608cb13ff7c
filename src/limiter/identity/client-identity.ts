import type { ExecutionContext } from '@nestjs/common';
import { hash } from 'node:crypto';
import type { KeySource } from '../rate-limit.options.js';
import { clientIp } from './client-ip.js';

/** The parts of an HTTP request (Fastify or Express) that identify its client. */
interface IdentifiableRequest {
  readonly ip?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly user?: { readonly id?: unknown; readonly sub?: unknown } | null;
}

/** Default prefix length IPv6 clients are grouped by. */
export const DEFAULT_IPV6_SUBNET = 64;

/**
 * Who a request counts against, as a prefixed string: `ip:203.0.113.7`, `ip:2001:db8::/64`,
 * `user:42`, `key:<sha256 of the X-API-Key header>` or `custom:<what the key function returned>`.
 * `user` and `apiKey` fall back to the IP when the request has no user or no key.
 *
 * The limiter hashes the identity (with the rule name) before it reaches a store, so no raw value
 * is ever stored; API keys are hashed here as well so they are not even held in a decision path.
 */
export class ClientIdentity {
  constructor(private readonly ipv6Subnet = DEFAULT_IPV6_SUBNET) {
    if (!Number.isInteger(ipv6Subnet) || ipv6Subnet < 1 || ipv6Subnet > 128) {
      throw new Error(`RateLimitModule: "ipv6Subnet" must be an integer from 1 to 128, got ${String(ipv6Subnet)}`);
    }
  }

  /** The identity `key` picks for the request in `context` (see the class's description). */
  of(key: KeySource, context: ExecutionContext): string {
    if (typeof key === 'function') return this.custom(key(context));
    const request = context.switchToHttp().getRequest<IdentifiableRequest>();
    if (key === 'user') return this.user(request) ?? this.ip(request);
    if (key === 'apiKey') return this.apiKey(request) ?? this.ip(request);
    return this.ip(request);
  }

  /** `ip:<address>`, IPv6 addresses as their subnet (`ip:2001:db8::/64`). */
  ip(request: IdentifiableRequest): string {
    return `ip:${clientIp(request.ip, this.ipv6Subnet)}`;
  }

  /** `user:<id>` from `request.user.id ?? request.user.sub`; undefined without a usable one. */
  user(request: IdentifiableRequest): string | undefined {
    const user = request.user;
    if (user === undefined || user === null) return undefined;
    const id = user.id ?? user.sub;
    if ((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id))) return `user:${id}`;
    return undefined;
  }

  /** `key:<sha256 of the X-API-Key header>`; undefined without the header. */
  apiKey(request: IdentifiableRequest): string | undefined {
    const header = request.headers['x-api-key'];
    const value = Array.isArray(header) ? header[0] : header;
    if (value === undefined || value === '') return undefined;
    return `key:${hash('sha256', value, 'hex')}`;
  }

  private custom(value: unknown): string {
    if (typeof value !== 'string') {
      throw new Error(`@RateLimit() key function returned ${typeof value}; it must return a string`);
    }
    return `custom:${value}`;
  }
}
