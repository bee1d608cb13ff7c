import { BadRequestException, Inject, Injectable, Optional } from '@nestjs/common';
import { invalidInputBody } from '../http/error-body.js';
import { CallerGate, type CallerVerdict, LIMIT_AS_USUAL } from '../limiter/caller-gate.js';
import {
  type CallerRefusalBody,
  callerRefusalBody,
  callerRefusalHeaders,
  CallerRefusedException,
} from '../limiter/rate-limit.exception.js';
import { PolicyResolver, RateLimiter, type RateLimitModuleOptions, type RateLimitPolicy } from '../limiter/index.js';
import { type DecisionOrigin } from '../limiter/decision.js';
import { type HeaderOptions } from '../limiter/rate-limit.options.js';
import { RATE_LIMIT_OPTIONS } from '../limiter/rate-limit.constants.js';
import { bucketOf, rateLimitHeaders, resolveHeaderOptions } from '../limiter/headers/rate-limit-headers.js';
import type { CheckRequest, ReleaseRequest } from './check-request.js';
import { type CheckResponse, type ReleaseResponse, UNLIMITED } from './check-response.js';

export const DEFAULT_RESOURCE = 'global';

const CHECK: DecisionOrigin = Object.freeze({ entry: 'check' });

/**
 * Who asks `/v1/check`: a service that authenticated (CHECK_TOKENS), by its name, or an anonymous
 * caller by its connection's address.
 */
export type CheckCaller =
  | { readonly name: string; readonly address?: undefined }
  | { readonly name?: undefined; readonly address: string | undefined };

/** Before caller authentication existed every caller was, in effect, this one. */
const ANONYMOUS: CheckCaller = Object.freeze({ address: undefined });

/** One decision of `POST /v1/check`: the HTTP status, the headers and the body. */
export interface CheckOutcome {
  readonly status: 200 | 401 | 403 | 429 | 503;
  readonly headers: readonly (readonly [string, string])[];
  /** The decision; for an invalid API key (401), the error body. */
  readonly body: CheckResponse | CallerRefusalBody;
}

/**
 * What one decision is about, with the client's address already believed: `ip` is the client's
 * (for blocks, allow lists and invalid-key counting), `caller` the authenticated service that
 * asked on its behalf, if one did.
 */
export interface CheckSubject extends Omit<CheckRequest, 'ip'> {
  readonly ip?: string | undefined;
  readonly caller?: string | undefined;
}

/**
 * The decision API: resolves the rule for `{ resource, tier, clientId }` and consumes `cost` units
 * of it for `client:<clientId>`. A refusal is a result here, never an exception (this path is
 * benchmarked, and a 429 is its normal answer).
 */
@Injectable()
export class CheckService {
  private readonly headerOptions: Required<HeaderOptions>;

  constructor(
    @Inject(PolicyResolver) private readonly policies: PolicyResolver,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RATE_LIMIT_OPTIONS) options: RateLimitModuleOptions,
    @Optional() @Inject(CallerGate) private readonly gate?: CallerGate,
  ) {
    this.headerOptions = resolveHeaderOptions(options.headers);
  }

  /**
   * `correlationId` (the request's `X-Correlation-ID`) goes on the decision's trace span. A body's
   * `ip` is taken from an authenticated caller only (a 400 otherwise): whoever may name an address
   * may get it blocked by presenting invalid keys for it. An anonymous caller's own address stands
   * for the client's in blocks, allow lists and the counting of invalid keys.
   */
  check(request: CheckRequest, correlationId?: string, caller: CheckCaller = ANONYMOUS): Promise<CheckOutcome> {
    const origin = correlationId === undefined ? CHECK : { entry: 'check', correlationId };
    // Not async: `decide`'s promise is the answer, without another wrapped around it (each layer
    // costs the node a promise and microtasks per request). A refused `ip` still rejects.
    let subject: CheckSubject;
    try {
      subject = subjectOf(request, caller);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.decide(subject, origin);
  }

  /**
   * The decision every entry point of this API shares (`POST /v1/check`, `GET
   * /v1/check/auth-request`): the gate, the rule, `cost` units for `client:<clientId>`. The
   * subject's `ip` is already believed (see `check()` and `AuthRequestReader`); `origin.entry`
   * names the entry point in metrics and traces.
   */
  async decide(subject: CheckSubject, origin: DecisionOrigin): Promise<CheckOutcome> {
    const { clientId, cost = 1 } = subject;
    const verdict = this.gateVerdict(subject);
    if (verdict.kind === 'exempt') return { status: 200, headers: [], body: UNLIMITED };
    if (verdict.kind === 'refused') return refusedCaller(verdict);
    const policy = this.policyFor(subject, verdict.tier);
    if (policy === undefined) return { status: 200, headers: [], body: UNLIMITED };
    // `consumeNow` rather than `consume`: awaited here anyway, its decision needs no promise of its own.
    const decision = await this.limiter.consumeNow(policy, `client:${clientId}`, cost, origin);
    const status = decision.allowed ? 200 : decision.outcome === 'failed_closed' ? 503 : 429;
    const bucket = bucketOf(decision, policy);
    return {
      status,
      headers: rateLimitHeaders(decision, this.headerOptions, policy),
      body: {
        allowed: decision.allowed,
        limit: bucket?.quota ?? decision.limit,
        remaining: decision.remaining,
        resetAt: decision.resetAt,
        retryAfterMs: decision.retryAfterMs,
        rule: decision.rule,
        ...(decision.leaseId === undefined ? {} : { leaseId: decision.leaseId }),
        ...(decision.blockedUntil === undefined ? {} : { blockedUntil: decision.blockedUntil }),
        ...(bucket === undefined ? {} : { refill: bucket.refill }),
      },
    };
  }

  /**
   * Frees the concurrency slot a check took (`leaseId`), found by the same rule the check used.
   * True when a live slot was freed; false when it had expired, was freed already, or no
   * concurrency rule applies. An invalid API key is still a 401; a block does not stop a release.
   */
  async release(request: ReleaseRequest, caller: CheckCaller = ANONYMOUS): Promise<ReleaseResponse> {
    const verdict = this.gateVerdict(subjectOf(request, caller));
    if (verdict.kind === 'refused' && verdict.status === 401) throw new CallerRefusedException(verdict);
    const policy = this.policyFor(request, verdict.kind === 'limit' ? verdict.tier : undefined);
    if (policy === undefined || policy.algorithm !== 'concurrency') return { released: false };
    return { released: await this.limiter.release(policy, `client:${request.clientId}`, request.leaseId) };
  }

  private gateVerdict({ clientId, resource = DEFAULT_RESOURCE, apiKey, ip, caller }: CheckSubject): CallerVerdict {
    if (this.gate === undefined) return LIMIT_AS_USUAL;
    return this.gate.check({ resource, clientId, apiKey, ip, caller });
  }

  /** The policy of the request; a valid API key's tier is the caller's tier, whatever the body says. */
  private policyFor(request: CheckSubject, keyTier: string | undefined): RateLimitPolicy | undefined {
    const { clientId, resource = DEFAULT_RESOURCE } = request;
    const tier = keyTier ?? request.tier;
    return this.policies.resolve(tier === undefined ? { resource, clientId } : { resource, tier, clientId });
  }
}

/**
 * A body's client as the decision takes it: its `ip` only from an authenticated caller (400
 * otherwise), else the anonymous caller's own address.
 */
function subjectOf(request: CheckRequest, caller: CheckCaller): CheckSubject {
  if (request.ip !== undefined && caller.name === undefined) {
    throw new BadRequestException(
      invalidInputBody([{ field: 'ip', reason: 'is taken only from an authenticated caller (CHECK_TOKENS)' }]),
    );
  }
  // Named field by field: a spread of the parsed body was 2 % of the node's CPU on this path (CPU
  // profile of refused /v1/check calls under load).
  const { clientId, resource, cost, tier, apiKey } = request;
  return { clientId, resource, cost, tier, apiKey, ip: request.ip ?? caller.address, caller: caller.name };
}

/**
 * A caller the gate refused: a block is a decision (403/429 with the decision body, `reason:
 * "blocked"` and Retry-After); an invalid API key is an authentication error (401, error shape).
 */
function refusedCaller(verdict: Extract<CallerVerdict, { kind: 'refused' }>): CheckOutcome {
  if (verdict.status === 401) {
    return { status: 401, headers: callerRefusalHeaders(verdict), body: callerRefusalBody(verdict) };
  }
  const retryAfterMs = Math.ceil(verdict.retryAfterMs ?? 0);
  return {
    status: verdict.status,
    headers: callerRefusalHeaders(verdict),
    body: {
      allowed: false,
      limit: null,
      remaining: null,
      resetAt: Date.now() + retryAfterMs,
      retryAfterMs,
      rule: null,
      reason: 'blocked',
      message: verdict.message,
    },
  };
}
