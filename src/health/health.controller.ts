import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../db/index.js';
import { SkipRateLimit } from '../limiter/index.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';
import { RulesHealthIndicator } from './rules.health.js';

/**
 * `GET /health/live`: the process runs (liveness). `GET /health`: readiness, 200 only when the
 * rate-limit store (Redis, when configured) and the rules database each answer within their
 * timeout and the first rules snapshot is loaded; else 503 naming the component that is not.
 * Decisions go on from the last rules snapshot while the database is down; the 503 tells
 * operators that rule changes cannot be saved or loaded. Never rate limited.
 */
@Controller('health')
@SkipRateLimit()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(RateLimitStoreHealthIndicator) private readonly store: RateLimitStoreHealthIndicator,
    @Inject(DatabaseHealthIndicator) private readonly database: DatabaseHealthIndicator,
    @Inject(RulesHealthIndicator) private readonly rules: RulesHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.store.isHealthy(),
      () => this.database.isHealthy(),
      () => this.rules.isHealthy(),
    ]);
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }
}
