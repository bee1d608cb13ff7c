import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';

/** Liveness and readiness endpoints. The `RateLimitStore` comes from the (global) limiter module. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [RateLimitStoreHealthIndicator],
})
export class HealthModule {}
