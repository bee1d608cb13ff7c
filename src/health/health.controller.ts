import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../db/index.js';
import { SkipRateLimit } from '../limiter/index.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';

/**
 * `GET /health/live`: the process runs (liveness). `GET /health`: the rate-limit store and the
 * rules database both answer (readiness; 503 naming the one that does not). Decisions go on from
 * the last rules snapshot while the database is down; the 503 tells operators that rule changes
 * cannot be saved or loaded. Never rate limited.
 */
@Controller('health')
@SkipRateLimit()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(RateLimitStoreHealthIndicator) private readonly store: RateLimitStoreHealthIndicator,
    @Inject(DatabaseHealthIndicator) private readonly database: DatabaseHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.isHealthy(), () => this.database.isHealthy()]);
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }
}
