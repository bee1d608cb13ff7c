import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../db/index.js';
import { HealthResponse } from './health-response.js';
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
  @ApiOperation({ summary: 'Readiness: the rate-limit store and the rules database answer, the rules are loaded' })
  @ApiOkResponse({ type: HealthResponse, description: 'Ready' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the body names the component that is not' })
  check(): Promise<HealthResponse> {
    return this.health.check([
      () => this.store.isHealthy(),
      () => this.database.isHealthy(),
      () => this.rules.isHealthy(),
    ]);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process runs' })
  @ApiOkResponse({ type: HealthResponse, description: 'Alive' })
  live(): Promise<HealthResponse> {
    return this.health.check([]);
  }
}
