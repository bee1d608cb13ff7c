import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  RateLimiter,
  type RateLimitDecision,
  type RateLimitModuleOptions,
  type RateLimitPolicy,
} from '../limiter/index.js';
import { clientIp } from '../limiter/identity/client-ip.js';
import { DEFAULT_IPV6_SUBNET } from '../limiter/identity/client-identity.js';
import { RATE_LIMIT_OPTIONS } from '../limiter/rate-limit.constants.js';
import { rateLimitHeaders, resolveHeaderOptions } from '../limiter/headers/rate-limit-headers.js';
import { type DecisionOrigin } from '../limiter/decision.js';
import { type HeaderOptions } from '../limiter/rate-limit.options.js';
import {
  ADMIN_FAILURE_POLICY_NAME,
  ADMIN_OPTIONS,
  DEFAULT_FAILURE_WINDOW_MS,
  DEFAULT_MAX_FAILURES,
} from './admin.constants.js';
import type { AdminModuleOptions } from './admin.options.js';

/** Why an attempt failed; logged, so it never carries the token. */
export type FailureReason = 'missing' | 'malformed' | 'wrong';

/** The client an admin request is counted against: its address as the limiter groups it. */
export interface AdminClient {
  /** `203.0.113.7`, `2001:db8:1:2::/64`, or `unknown`. */
  readonly ip: string;
  /** The limiter identity, `ip:<ip>`, as `ClientIdentity` names IP clients. */
  readonly identity: string;
}

/** Failed admin logins are decisions of their own kind; the status read before one decides nothing. */
const ADMIN_AUTH: DecisionOrigin = Object.freeze({ entry: 'admin_auth' });
const STATUS_READ: DecisionOrigin = Object.freeze({ entry: 'admin_auth', dryRun: true });

const REASONS: Record<FailureReason, string> = {
  missing: 'no Authorization header',
  malformed: 'not a Bearer Authorization header',
  wrong: 'unknown token',
};

/** The fixed policy failed attempts are counted by, from the module options. */
export function adminFailurePolicy(options: AdminModuleOptions): RateLimitPolicy {
  const limit = options.maxFailures ?? DEFAULT_MAX_FAILURES;
  const windowMs = options.windowMs ?? DEFAULT_FAILURE_WINDOW_MS;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`AdminModule: "maxFailures" must be an integer >= 1, got ${String(limit)}`);
  }
  if (!Number.isInteger(windowMs) || windowMs < 1) {
    throw new Error(`AdminModule: "windowMs" must be an integer >= 1, got ${String(windowMs)}`);
  }
  return Object.freeze({
    name: ADMIN_FAILURE_POLICY_NAME,
    algorithm: 'sliding_window',
    limits: Object.freeze([Object.freeze({ limit, windowMs })]),
    shadow: false,
  });
}

/**
 * Brute-force protection for the admin token, with Floodgate's own limiter (so it is shared by
 * every node on the same store): each failed attempt consumes one unit of `admin-auth-failures`
 * for the client IP; once an IP has used them all, every admin request from it is refused (429),
 * a valid token included, until the window frees a unit. The service sets both bounds from
 * ADMIN_AUTH_FAILURE_LIMIT and ADMIN_AUTH_FAILURE_WINDOW_MS.
 *
 * Why a valid token is refused too: a locked-out address that still got a 200 for the right token
 * would be told which guess was right, so the lockout would slow guessing not at all (wrong: 429,
 * right: 200). Refusing every token alike is what makes the failures count. An admin locked out by
 * someone sharing the address comes from another one, or waits the window.
 *
 * A store failure never locks admins out: only a real `limited` decision refuses, whatever the
 * limiter's fail mode, and the token is still checked.
 */
@Injectable()
export class AdminAuthFailures {
  private readonly logger = new Logger('AdminAuth');
  private readonly policy: RateLimitPolicy;
  private readonly ipv6Subnet: number;
  private readonly headerOptions: Required<HeaderOptions>;

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RATE_LIMIT_OPTIONS) limiterOptions: RateLimitModuleOptions,
    @Inject(ADMIN_OPTIONS) options: AdminModuleOptions,
  ) {
    this.policy = adminFailurePolicy(options);
    this.ipv6Subnet = limiterOptions.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
    this.headerOptions = resolveHeaderOptions(limiterOptions.headers);
  }

  /** `address` is the adapter's `request.ip`, which already honours trusted proxies. */
  clientOf(address: string | undefined): AdminClient {
    const ip = clientIp(address, this.ipv6Subnet);
    return { ip, identity: `ip:${ip}` };
  }

  /** The refusal for a client that has no failed attempts left, else undefined. */
  async refusalFor(client: AdminClient): Promise<RateLimitDecision | undefined> {
    const state = await this.limiter.consume(this.policy, client.identity, 0, STATUS_READ);
    if (!state.allowed || state.remaining > 0) return undefined;
    // A report (cost 0) is never a refusal; a cost of 1 is, with the real wait, and consumes
    // nothing when refused. Should a unit free up in between, this request pays it like a failure.
    const decision = await this.limiter.consume(this.policy, client.identity, 1, ADMIN_AUTH);
    if (decision.outcome !== 'limited') return undefined;
    this.logRefusal(client, decision);
    return decision;
  }

  /** Counts a failed attempt; returns the refusal when the client had none left. */
  async recordFailure(client: AdminClient, reason: FailureReason): Promise<RateLimitDecision | undefined> {
    const decision = await this.limiter.consume(this.policy, client.identity, 1, ADMIN_AUTH);
    if (decision.outcome === 'limited') {
      this.logRefusal(client, decision);
      return decision;
    }
    const [spec] = this.policy.limits;
    const window = `${seconds(spec!.windowMs)} s`;
    if (decision.allowed && decision.source !== 'none' && decision.remaining === 0) {
      this.logger.warn(
        `Admin authentication failed from ${client.ip} (${REASONS[reason]}): ${spec!.limit} failed attempts within ${window}; further admin requests from this address are refused until the window frees them`,
      );
    } else {
      this.logger.warn(`Admin authentication failed from ${client.ip} (${REASONS[reason]})`);
    }
    return undefined;
  }

  /** The rate-limit headers of a refusal, built by the limiter's one header builder. */
  headersOf(decision: RateLimitDecision): [string, string][] {
    return rateLimitHeaders(decision, this.headerOptions, this.policy);
  }

  private logRefusal(client: AdminClient, decision: RateLimitDecision): void {
    this.logger.warn(
      `Admin request from ${client.ip} refused: too many failed authentication attempts; retry in ${seconds(decision.retryAfterMs)} s`,
    );
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
