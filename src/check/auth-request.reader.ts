import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { isIP } from 'node:net';
import { trustedProxyMatcher, type TrustedProxyMatcher } from '../config/trusted-proxies.js';
import { type FieldError, invalidInputBody } from '../http/error-body.js';
import { type RateLimitModuleOptions } from '../limiter/index.js';
import { clientIp } from '../limiter/identity/client-ip.js';
import { DEFAULT_IPV6_SUBNET } from '../limiter/identity/client-identity.js';
import { RATE_LIMIT_OPTIONS } from '../limiter/rate-limit.constants.js';
import { CHECK_OPTIONS, type CheckModuleOptions } from './check.options.js';
import { ORIGINAL_METHOD_HEADER, ORIGINAL_URI_HEADER, originalResource } from './original-resource.js';

export const REAL_IP_HEADER = 'X-Real-IP';
export const FORWARDED_FOR_HEADER = 'X-Forwarded-For';
export const API_KEY_HEADER = 'X-API-Key';

/** What of a Fastify request the reader needs. */
export interface ForwardedRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The client address Fastify computed: X-Forwarded-For walked under TRUSTED_PROXIES. */
  readonly ip: string;
  /** The connection's peer: the proxy itself. */
  readonly socket: { readonly remoteAddress?: string | undefined };
}

/** The check an `auth_request` subrequest asks for. */
export interface AuthRequestSubject {
  /** The client's address, an IPv6 one as its network (`2001:db8::/64`), as the guard counts it. */
  readonly clientId: string;
  /** `"<METHOD> <path>"` (see `originalResource`). */
  readonly resource: string;
  /** The client's address itself, for blocks and allow lists of addresses and ranges. */
  readonly ip: string;
  readonly apiKey?: string;
}

/**
 * Reads the check nginx asks for with `auth_request` from its headers: the client's address
 * (`X-Real-IP`, else `X-Forwarded-For`), the request (`X-Original-Method`, `X-Original-URI`) and the
 * client's `X-API-Key`. A 400 names every header that is missing or unusable.
 *
 * The address is believed only from a peer in TRUSTED_PROXIES, the list that decides whose
 * X-Forwarded-For the guard believes; any other peer naming one is refused, since whoever may name
 * an address may get it blocked (invalid keys) or spend its budget. X-Forwarded-For is read as
 * Fastify reads it for the guard (the right-most hop that is not a trusted proxy); X-Real-IP, which
 * Fastify does not read, names the client outright and wins when both come.
 */
@Injectable()
export class AuthRequestReader {
  private readonly trusted: TrustedProxyMatcher;
  private readonly ipv6Subnet: number;

  constructor(
    @Inject(CHECK_OPTIONS) options: CheckModuleOptions,
    @Inject(RATE_LIMIT_OPTIONS) limiterOptions: RateLimitModuleOptions,
  ) {
    this.trusted = trustedProxyMatcher(options.trustedProxies ?? []);
    this.ipv6Subnet = limiterOptions.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
  }

  /** The subject of the check, or a 400 listing each header at fault. */
  read(request: ForwardedRequest): AuthRequestSubject {
    const errors: FieldError[] = [];
    const address = this.clientAddress(request, errors);
    const original = originalResource(
      header(request, ORIGINAL_METHOD_HEADER.toLowerCase()),
      header(request, ORIGINAL_URI_HEADER.toLowerCase()),
    );
    if ('errors' in original) errors.push(...original.errors);
    if (address === undefined || 'errors' in original) throw new BadRequestException(invalidInputBody(errors));
    const apiKey = header(request, API_KEY_HEADER.toLowerCase());
    return {
      clientId: clientIp(address, this.ipv6Subnet),
      resource: original.resource,
      ip: address,
      ...(apiKey === undefined ? {} : { apiKey }),
    };
  }

  private clientAddress(request: ForwardedRequest, errors: FieldError[]): string | undefined {
    const realIp = header(request, REAL_IP_HEADER.toLowerCase());
    const forwardedFor = header(request, FORWARDED_FOR_HEADER.toLowerCase());
    const field = realIp !== undefined ? REAL_IP_HEADER : FORWARDED_FOR_HEADER;
    if (realIp === undefined && forwardedFor === undefined) {
      errors.push({
        field: REAL_IP_HEADER,
        reason: `is required (or ${FORWARDED_FOR_HEADER}): the address of the client ($remote_addr)`,
      });
      return undefined;
    }
    const peer = request.socket.remoteAddress;
    if (!this.trusted(peer)) {
      errors.push({
        field,
        reason: `is believed only from a trusted proxy (TRUSTED_PROXIES), which ${peer ?? 'this caller'} is not`,
      });
      return undefined;
    }
    // Fastify has walked X-Forwarded-For under the same list: its request.ip is the client's.
    const address = realIp ?? request.ip;
    if (isIP(address) === 0) {
      errors.push({
        field,
        reason:
          realIp !== undefined
            ? 'must be an IPv4 or IPv6 address'
            : 'must name the client: its right-most entry that is not a trusted proxy is no IP address',
      });
      return undefined;
    }
    return address;
  }
}

/** A header's value; a repeated one arrives joined with ", " (and then is no single address). */
function header(request: ForwardedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
