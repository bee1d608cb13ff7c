import { BadRequestException, Inject, Injectable, Logger, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { AdminAuditLog } from '../audit/index.js';
import { errorBody, invalidInputBody } from '../http/error-body.js';
import { StoreUnavailableException } from '../http/store-unavailable.js';
import { RateLimiter, type RateLimitModuleOptions, type RateLimitPolicy } from '../limiter/index.js';
import { clientIp } from '../limiter/identity/client-ip.js';
import { DEFAULT_IPV6_SUBNET } from '../limiter/identity/client-identity.js';
import { RATE_LIMIT_OPTIONS } from '../limiter/rate-limit.constants.js';
import type { RulesBus } from '../rules/index.js';
import { RULES_BUS, RulesPolicyResolver } from '../rules/index.js';
import type { CountersQuery } from './counters-query.js';
import type { CountersResponse } from './counters-response.js';

/**
 * The support-ticket tools: a caller's current usage of every limit of a rule, and resetting it.
 * Both read the store (never a cache) and are audit-logged. A reset also drops every node's cached
 * denial of the caller, through the rules bus (without Redis there is only this node).
 */
@Injectable()
export class CountersService implements OnModuleInit {
  private readonly logger = new Logger('Counters');
  private readonly ipv6Subnet: number;

  constructor(
    @Inject(RulesPolicyResolver) private readonly resolver: RulesPolicyResolver,
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
    @Inject(RULES_BUS) private readonly bus: RulesBus | null,
    @Inject(RATE_LIMIT_OPTIONS) options: RateLimitModuleOptions,
  ) {
    this.ipv6Subnet = options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
    // Registered before the rules module subscribes (its init hook), so the subscription covers resets.
    this.bus?.onCounterReset((reset) => this.limiter.forgetDenial({ name: reset.policy }, reset.identity));
  }

  onModuleInit(): void {
    if (this.bus === null) this.logger.debug('no Redis: counter resets concern this node only');
  }

  async read(query: CountersQuery, actor: string): Promise<CountersResponse> {
    const { policy, identity } = this.target(query);
    let decision;
    try {
      decision = await this.limiter.peek(policy, identity);
    } catch (error) {
      throw storeUnavailable(error);
    }
    const now = Date.now();
    const body: CountersResponse = {
      rule: query.rule,
      policy: policy.name,
      ...(query.clientId === undefined ? {} : { clientId: query.clientId }),
      ...(query.ip === undefined ? {} : { ip: query.ip }),
      algorithm: policy.algorithm,
      limits: decision.limits.map((status) => ({
        limit: status.limit,
        windowMs: status.windowMs,
        used: Math.max(0, status.limit - status.remaining),
        remaining: status.remaining,
        resetAt: now + status.resetMs,
      })),
      blockedUntil: decision.blockedUntil ?? null,
    };
    await this.audit.record({
      actor,
      action: 'counters.read',
      targetType: 'counters',
      targetId: `${policy.name} ${identity}`,
    });
    return body;
  }

  /**
   * Recorded first, then done: with Postgres down the reset is refused (503) before anything is
   * reset, so a reset is never done and unrecorded. One that fails at the store after its record
   * is recorded as failed as well (when Postgres still answers).
   */
  async reset(query: CountersQuery, actor: string): Promise<void> {
    const { policy, identity } = this.target(query);
    const targetId = `${policy.name} ${identity}`;
    await this.audit.record({ actor, action: 'counters.reset', targetType: 'counters', targetId });
    try {
      await this.limiter.reset(policy, identity);
    } catch (error) {
      await this.audit
        .record({ actor, action: 'counters.reset_failed', targetType: 'counters', targetId })
        .catch(() => this.logger.warn(`counter reset of ${policy.name} failed and could not be recorded as failed`));
      throw storeUnavailable(error);
    }
    await this.bus?.publishReset({ policy: policy.name, identity }).catch((error: unknown) =>
      // The counters are gone; other nodes' cached denials expire by themselves (at most their retry time).
      this.logger.warn(`counter reset not announced to other nodes: ${(error as Error).message}`),
    );
  }

  /**
   * The policy a rule enforces now and the caller's limiter identity; 404 when there is none, 400
   * when `resource` does not fit the rule: missing or unmatched for a per-resource rule, given for
   * a rule that keeps one budget for every resource (it would be ignored, and read as if it counted).
   */
  private target(query: CountersQuery): { policy: RateLimitPolicy; identity: string } {
    const snapshot = this.resolver.current;
    const perResource = snapshot.isPerResource(query.rule);
    const { resource } = query;
    if (perResource && resource !== undefined) {
      const pattern = snapshot.unmatchedResourcePattern(query.rule, resource);
      if (pattern !== undefined) {
        throw resourceRefused(`does not match the rule's match.resource "${pattern}", so it has no budget there`);
      }
    }
    const policy = snapshot.policyNamed(query.rule, perResource ? resource : undefined, this.resolver.loadState);
    if (policy === undefined) {
      if (perResource) throw resourceRefused('is required: the rule keeps a budget per resource');
      throw new NotFoundException(errorBody(404, `no enabled rule is named "${query.rule}"`));
    }
    if (!perResource && resource !== undefined) {
      throw resourceRefused('is not allowed: the rule keeps one budget for every resource (it is not perResource)');
    }
    const identity =
      query.clientId !== undefined ? `client:${query.clientId}` : `ip:${clientIp(query.ip, this.ipv6Subnet)}`;
    return { policy, identity };
  }
}

function resourceRefused(reason: string): BadRequestException {
  return new BadRequestException(invalidInputBody([{ field: 'resource', reason }]));
}

/** Every failure of the store here is an outage to the caller: the read or reset was not done. */
function storeUnavailable(error: unknown): StoreUnavailableException {
  return new StoreUnavailableException('the rate-limit store', error);
}
