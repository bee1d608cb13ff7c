import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RateLimitStore } from '../limiter/index.js';
import { CircuitBreakerStore } from '../limiter/resilience/circuit-breaker.store.js';

/** How long the store may take to answer a health ping before it is reported down. */
export const STORE_PING_TIMEOUT_MS = 1_000;

/**
 * Up when the rate-limit store (Redis, or the in-process memory store) answers a ping within
 * `STORE_PING_TIMEOUT_MS`; down with the reason otherwise. A store behind a circuit breaker (Redis)
 * also reports the breaker's state: a store that answers pings while the breaker is open is
 * recovering, and decisions are still made from the fail mode.
 */
@Injectable()
export class RateLimitStoreHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
  ) {}

  async isHealthy(key = 'rateLimitStore', timeoutMs = STORE_PING_TIMEOUT_MS): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.store.ping(), timeout]);
      return indicator.up(this.breaker());
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error), ...this.breaker() });
    } finally {
      clearTimeout(timer);
    }
  }

  private breaker(): { breaker?: string } {
    return this.store instanceof CircuitBreakerStore ? { breaker: this.store.state } : {};
  }
}
