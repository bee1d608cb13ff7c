import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { DecisionOrigin, RateLimitDecision } from '../decision.js';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';
import { RateLimiter, type RateLimiterObserver, type StoreOperation } from '../rate-limiter.js';
import { RateLimitStore } from '../store/rate-limit.store.js';
import { activeTraceId } from '../tracing/decision-span.js';
import { CircuitBreakerStore } from './circuit-breaker.store.js';
import { FoldedLog } from './folded-log.js';

/** At most one line per kind of event per this period; the rest are counted into the next line. */
export const DECISION_LOG_PERIOD_MS = 10_000;

/**
 * Logs what an operator must know without flooding the log under an outage or an attack:
 * - every circuit breaker transition;
 * - decisions made without the store (fail open, fail closed, insurance): one kind for all rules,
 *   since an outage hits them all at once; the line names the rule of the decision it reports;
 * - refusals (`limited`), per rule, at info;
 * - shadow rules over their limit, per rule.
 * All but the transitions are folded (`FoldedLog`): the first event is logged at once, later ones at
 * most once per `DECISION_LOG_PERIOD_MS`, each line saying how many were folded into it. A line is
 * written inside the request that triggered it, so it carries that request's correlation and trace
 * ids; the folded ones are only counted (metrics have them all).
 */
@Injectable()
export class DecisionLogger implements RateLimiterObserver, OnModuleInit {
  private readonly logger = new Logger('RateLimiter');
  private readonly folded = new FoldedLog(DECISION_LOG_PERIOD_MS, () => this.now());

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
  ) {}

  /** The clock; a test subclass may replace it. */
  protected now(): number {
    return Date.now();
  }

  onModuleInit(): void {
    this.limiter.observe(this);
    if (this.store instanceof CircuitBreakerStore) {
      this.store.onStateChange((state) => {
        const failed = this.folded.take(STORE);
        const since = failed > 0 ? `; ${failed} more decisions were made without the store since the last report` : '';
        if (state === 'open')
          this.logger.error(`Circuit breaker opened: the store is not called until a probe succeeds${since}`);
        else this.logger.warn(`Circuit breaker ${state.replace('_', '-')}${since}`);
      });
    }
  }

  decided(policy: RateLimitPolicy, decision: RateLimitDecision, _durationMs: number, origin: DecisionOrigin): void {
    if (origin.dryRun) return;
    if (decision.outcome === 'limited') this.limited(policy.rule ?? policy.name, decision, origin);
    else if (decision.outcome === 'shadow_limited') this.shadowLimited(policy.rule ?? policy.name, decision, origin);
  }

  /** A release or a refund that failed: the slot stays taken until its lease ends, the units stay used. */
  storeOperationFailed(operation: StoreOperation, error: unknown, policy: RateLimitPolicy): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.folded.report(`${operation}:failed`, (more) =>
      this.logger.warn(
        `Store failed to ${operation} for rule "${policy.rule ?? policy.name}" (${reason})${since(more)}`,
      ),
    );
  }

  storeFailed(error: unknown, policy: RateLimitPolicy, decision: RateLimitDecision): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.folded.report(STORE, (more) =>
      this.logger.warn(
        `Store failed for rule "${policy.name}" (${reason}): decided ${decision.outcome} from ${decision.source === 'insurance' ? 'the insurance limiter' : 'the fail mode'}${since(more)}`,
      ),
    );
  }

  private limited(rule: string, decision: RateLimitDecision, origin: DecisionOrigin): void {
    const from = decision.source === 'cache' ? 'the denial cache' : 'the store';
    this.folded.report(`limited:${rule}`, (more) =>
      this.logger.log(
        ofRequest(
          origin,
          `Rule "${rule}" refused a request (limit ${decision.limit}, retry in ${Math.ceil(decision.retryAfterMs / 1000)} s, answered from ${from})${since(more)}`,
        ),
      ),
    );
  }

  private shadowLimited(rule: string, decision: RateLimitDecision, origin: DecisionOrigin): void {
    this.folded.report(`shadow:${rule}`, (more) =>
      this.logger.log(
        ofRequest(
          origin,
          `Shadow rule "${rule}" is over its limit (${decision.limit} per window); the request went through${since(more)}`,
        ),
      ),
    );
  }
}

/** The kind under which all decisions made without the store are folded. */
const STORE = 'store';

/**
 * A line written on behalf of a request: its message with the request's correlation id and, when
 * it is traced, its trace id (a JSON logger merges them into the line), else the message alone.
 */
function ofRequest(origin: DecisionOrigin, msg: string): string | Record<string, string> {
  const traceId = activeTraceId();
  if (origin.correlationId === undefined && traceId === undefined) return msg;
  return {
    msg,
    ...(origin.correlationId === undefined ? {} : { correlationId: origin.correlationId }),
    ...(traceId === undefined ? {} : { traceId }),
  };
}

function since(folded: number): string {
  return folded > 0 ? `; ${folded} more since the last report` : '';
}
