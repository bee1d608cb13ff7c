import { Inject, Injectable } from '@nestjs/common';
import {
  type DecisionOrigin,
  type HeaderOptions,
  PolicyResolver,
  RATE_LIMIT_OPTIONS,
  RateLimiter,
  type RateLimitModuleOptions,
  rateLimitHeaders,
  resolveHeaderOptions,
} from '../limiter/index.js';
import type { CheckRequestDto } from './check-request.dto.js';
import { type CheckResponse, UNLIMITED } from './check-response.js';

export const DEFAULT_RESOURCE = 'global';

const CHECK: DecisionOrigin = Object.freeze({ entry: 'check' });

/** One decision of `POST /v1/check`: the HTTP status, the headers and the body. */
export interface CheckOutcome {
  readonly status: 200 | 429 | 503;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: CheckResponse;
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
  ) {
    this.headerOptions = resolveHeaderOptions(options.headers);
  }

  /** `correlationId` (the request's `X-Correlation-ID`) goes on the decision's trace span. */
  async check(request: CheckRequestDto, correlationId?: string): Promise<CheckOutcome> {
    const { clientId, resource = DEFAULT_RESOURCE, cost = 1, tier } = request;
    const policy = this.policies.resolve(tier === undefined ? { resource, clientId } : { resource, tier, clientId });
    if (policy === undefined) return { status: 200, headers: [], body: UNLIMITED };
    const origin = correlationId === undefined ? CHECK : { entry: 'check', correlationId };
    const decision = await this.limiter.consume(policy, `client:${clientId}`, cost, origin);
    const status = decision.allowed ? 200 : decision.outcome === 'failed_closed' ? 503 : 429;
    return {
      status,
      headers: rateLimitHeaders(decision, this.headerOptions, policy),
      body: {
        allowed: decision.allowed,
        limit: decision.limit,
        remaining: decision.remaining,
        resetAt: decision.resetAt,
        retryAfterMs: decision.retryAfterMs,
        rule: decision.rule,
      },
    };
  }
}
