import { Inject, Injectable } from '@nestjs/common';
import { type DecisionPart, RateLimiter, type RateLimitModuleOptions } from '../limiter/index.js';
import { type DecisionOrigin } from '../limiter/decision.js';
import { type HeaderOptions } from '../limiter/rate-limit.options.js';
import { RATE_LIMIT_OPTIONS } from '../limiter/rate-limit.constants.js';
import { resolveHeaderOptions } from '../limiter/headers/rate-limit-headers.js';
import type { DescriptorEntry } from '../rules/descriptor-rules.js';
import { RulesPolicyResolver } from '../rules/rules-policy.resolver.js';
import type { RateLimitResponseMessage } from './rls-protos.js';
import type { DescriptorsRequest } from './rls-request.js';
import { type DescriptorOutcome, rlsResponse } from './rls-response.js';

const ENVOY: DecisionOrigin = Object.freeze({ entry: 'envoy' });

/**
 * Decides an Envoy rate limit request: each descriptor goes to the Envoy rule that takes it (see
 * `DescriptorRules`), and the descriptors that have one are decided together, all or nothing
 * (`RateLimiter.consumeAll`): when one is over its limit, nothing is taken from the others. A
 * descriptor no rule takes, and so a domain no rule names, is not limited (OK), as
 * envoyproxy/ratelimit answers it.
 *
 * Who is counted is the descriptor itself: its entries, keys and values, so a rule that names a
 * key without a value counts each value apart. The counters of a domain live under one group
 * (one Redis Cluster slot), which is what lets one script decide a request's descriptors.
 */
@Injectable()
export class EnvoyDecisions {
  private readonly headerOptions: Required<HeaderOptions>;

  constructor(
    @Inject(RulesPolicyResolver) private readonly rules: RulesPolicyResolver,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RATE_LIMIT_OPTIONS) options: RateLimitModuleOptions,
  ) {
    this.headerOptions = resolveHeaderOptions(options.headers);
  }

  /** `correlationId` (the call's, when it sent one) goes on the decisions' trace spans. */
  async decide(request: DescriptorsRequest, correlationId?: string): Promise<RateLimitResponseMessage> {
    const { domain, descriptors, cost } = request;
    const parts: DecisionPart[] = [];
    const partOf: (number | undefined)[] = descriptors.map((entries) => {
      const policy = this.rules.resolveDescriptor(domain, entries);
      return policy === undefined ? undefined : parts.push({ policy, identity: identityOf(entries) }) - 1;
    });
    const outcomes: DescriptorOutcome[] = descriptors.map(() => undefined);
    if (parts.length > 0) {
      const origin = correlationId === undefined ? ENVOY : { entry: 'envoy', correlationId };
      const decisions = await this.limiter.consumeAll(parts, cost, groupOf(domain), origin);
      partOf.forEach((part, i) => {
        if (part !== undefined) outcomes[i] = { policy: parts[part]!.policy, decision: decisions[part]! };
      });
    }
    return rlsResponse(outcomes, this.headerOptions);
  }
}

/** The descriptor as an identity: every key and value, unambiguous whatever they hold. */
function identityOf(entries: readonly DescriptorEntry[]): string {
  return JSON.stringify(entries.map(({ key, value }) => [key, value]));
}

/** Where a domain's counters live together. */
function groupOf(domain: string): string {
  return `envoy:${domain}`;
}
