import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { RateLimitDecision } from '../decision.js';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';
import { RateLimiter, type RateLimiterObserver } from '../rate-limiter.js';
import { RateLimitStore } from '../store/rate-limit.store.js';
import { CircuitBreakerStore } from './circuit-breaker.store.js';

/** At most one line per kind of event per this period; the rest are counted into the next line. */
export const DECISION_LOG_PERIOD_MS = 10_000;

/**
 * Logs what an operator must know without flooding the log under an outage or an attack:
 * circuit breaker transitions (each one), decisions made without the store (fail open, fail closed,
 * insurance) and shadow policies over their limit. The last two are aggregated: the first event is
 * logged at once, later ones at most once per `DECISION_LOG_PERIOD_MS`, each line saying how many
 * were folded into it. No timer: a quiet period simply logs nothing.
 */
@Injectable()
export class DecisionLogger implements RateLimiterObserver, OnModuleInit {
  private readonly logger = new Logger('RateLimiter');
  private readonly lastLogged = new Map<string, number>();
  private readonly folded = new Map<string, number>();

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
        const failed = this.folded.get('store') ?? 0;
        const since = failed > 0 ? `; ${failed} more decisions were made without the store since the last report` : '';
        this.folded.delete('store');
        if (state === 'open')
          this.logger.error(`Circuit breaker opened: the store is not called until a probe succeeds${since}`);
        else this.logger.warn(`Circuit breaker ${state.replace('_', '-')}${since}`);
      });
    }
  }

  storeFailed(error: unknown, policy: RateLimitPolicy, decision: RateLimitDecision): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.report('store', (more) =>
      this.logger.warn(
        `Store failed for rule "${policy.name}" (${reason}): decided ${decision.outcome} from ${decision.source === 'insurance' ? 'the insurance limiter' : 'the fail mode'}${more}`,
      ),
    );
  }

  shadowLimited(decision: RateLimitDecision): void {
    this.report(`shadow:${decision.rule}`, (more) =>
      this.logger.log(
        `Shadow rule "${decision.rule}" is over its limit (${decision.limit} per window); the request went through${more}`,
      ),
    );
  }

  private report(kind: string, log: (more: string) => void): void {
    const now = this.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && now - last < DECISION_LOG_PERIOD_MS) {
      this.folded.set(kind, (this.folded.get(kind) ?? 0) + 1);
      return;
    }
    const folded = this.folded.get(kind) ?? 0;
    this.folded.delete(kind);
    this.lastLogged.set(kind, now);
    log(folded > 0 ? `; ${folded} more since the last report` : '');
  }
}
