import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { SkipRateLimit } from '../limiter/index.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';

/**
 * `GET /health/live`: the process runs (liveness). `GET /health`: the node can make decisions,
 * i.e. its rate-limit store answers (readiness; 503 otherwise). Never rate limited.
 */
@Controller('health')
@SkipRateLimit()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(RateLimitStoreHealthIndicator) private readonly store: RateLimitStoreHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.isHealthy()]);
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }
}
