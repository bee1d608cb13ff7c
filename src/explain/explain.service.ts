import { Inject, Injectable } from '@nestjs/common';
import type { CheckRequest } from '../check/check-request.js';
import { DEFAULT_RESOURCE } from '../check/check.service.js';
import type { DecisionOrigin, RateLimitDecision } from '../limiter/decision.js';
import { quotaOf } from '../limiter/headers/rate-limit-headers.js';
import type { PolicyQuery } from '../limiter/policy/policy-resolver.js';
import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import { RateLimiter } from '../limiter/rate-limiter.js';
import { RulesPolicyResolver } from '../rules/rules-policy.resolver.js';
import { describeSpecificity, specificityOf, winReason } from './explain-reason.js';
import type { ExplainDecisionDto, ExplainResponseDto } from './explain-response.dto.js';

/** Explain reports what a check would decide; it decides nothing. */
const EXPLAIN: DecisionOrigin = Object.freeze({ entry: 'explain', dryRun: true });

const NOT_LIMITED: ExplainDecisionDto = Object.freeze({
  allowed: true,
  outcome: 'allowed',
  limit: null,
  remaining: null,
  resetAt: null,
});

/**
 * Explains what `POST /v1/check` would do with a body: the rules that apply in precedence order,
 * the winner and why, the policy, and the decision now. Reads this node's snapshot in force and
 * asks the limiter with cost 0, so nothing is consumed.
 */
@Injectable()
export class ExplainService {
  constructor(
    @Inject(RulesPolicyResolver) private readonly rules: RulesPolicyResolver,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
  ) {}

  async explain(request: CheckRequest): Promise<ExplainResponseDto> {
    const { clientId, resource = DEFAULT_RESOURCE, cost = 1, tier } = request;
    const query: PolicyQuery = tier === undefined ? { resource, clientId } : { resource, tier, clientId };
    // One snapshot for the whole answer, even if a reload swaps another in meanwhile.
    const snapshot = this.rules.current;
    const matched = snapshot.rulesFor(query);
    const [winner, runnerUp] = matched;
    const loadState = this.rules.loadState;
    const policy = snapshot.resolve(query, loadState);
    return {
      query: { clientId, resource, ...(tier === undefined ? {} : { tier }), cost },
      rulesVersion: snapshot.version,
      loadState,
      matched: matched.map((rule, index) => {
        const specificity = specificityOf(rule);
        return {
          id: rule.id,
          name: rule.name,
          rank: index + 1,
          selectors: [...specificity.selectors],
          resourceMatch: specificity.resourceMatch,
          priority: specificity.priority,
          specificity: describeSpecificity(specificity),
        };
      }),
      winner: winner === undefined ? null : { id: winner.id, name: winner.name, reason: winReason(winner, runnerUp) },
      policy:
        policy === undefined
          ? null
          : {
              name: policy.name,
              algorithm: policy.algorithm,
              limits: policy.limits.map((limit) => ({ ...limit })),
              shadow: policy.shadow,
              source: winner === undefined ? 'default' : 'rule',
            },
      decision:
        policy === undefined
          ? NOT_LIMITED
          : wouldDecide(policy, await this.limiter.consume(policy, `client:${clientId}`, 0, EXPLAIN), cost),
    };
  }
}

/**
 * What consuming `cost` would decide, from a report (cost 0) of the same counters: granted when
 * every limit has `cost` units left. For `gcra` and `token_bucket`, `remaining` is the whole units
 * available now, so this is the answer of the same instant.
 */
function wouldDecide(policy: RateLimitPolicy, report: RateLimitDecision, cost: number): ExplainDecisionDto {
  // The quota as /v1/check shows it: a bucket's burst where it has one.
  const scalars = { limit: quotaOf(report, policy), remaining: report.remaining, resetAt: report.resetAt };
  if (report.outcome === 'failed_open' || report.outcome === 'failed_closed') {
    return { allowed: report.allowed, outcome: report.outcome, ...scalars };
  }
  // A caller under a penalty block is refused whatever its counters say.
  const blocked = report.blockedUntil !== undefined;
  if (!blocked && report.limits.every((limit) => limit.remaining >= cost))
    return { allowed: true, outcome: 'allowed', ...scalars };
  return policy.shadow
    ? { allowed: true, outcome: 'shadow_limited', ...scalars }
    : { allowed: false, outcome: 'limited', ...scalars };
}
