import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../db/index.js';
import { HealthController } from './health.controller.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';
import { RulesHealthIndicator } from './rules.health.js';

/** What `HealthModule.forRoot()` checks besides the (global) limiter's store. */
export interface HealthModuleOptions {
  /** The app's `DbModule` (the same instance the rest of the app uses), for `PrismaService`. */
  readonly database: DynamicModule;
  /** The app's `RulesModule`, for `RulesRefresher`: a node is not ready before its first rules snapshot. */
  readonly rules: DynamicModule;
}

/**
 * Liveness and readiness endpoints. The `RateLimitStore` comes from the (global) limiter module,
 * `PrismaService` and `RulesRefresher` from the database and rules modules passed in.
 *
 * @example
 * const db = DbModule.forRoot({ url });
 * imports: [db, rules, HealthModule.forRoot({ database: db, rules })]
 */
@Module({})
export class HealthModule {
  static forRoot({ database, rules }: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), database, rules],
      controllers: [HealthController],
      providers: [RateLimitStoreHealthIndicator, DatabaseHealthIndicator, RulesHealthIndicator],
    };
  }
}
