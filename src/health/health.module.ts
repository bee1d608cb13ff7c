import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseHealthIndicator } from '../db/index.js';
import { HealthController } from './health.controller.js';
import { RateLimitStoreHealthIndicator } from './rate-limit-store.health.js';

/** What `HealthModule.forRoot()` checks besides the (global) limiter's store. */
export interface HealthModuleOptions {
  /** The app's `DbModule` (the same instance the rest of the app uses), for `PrismaService`. */
  readonly database: DynamicModule;
}

/**
 * Liveness and readiness endpoints. The `RateLimitStore` comes from the (global) limiter module,
 * `PrismaService` from the database module passed in.
 *
 * @example
 * const db = DbModule.forRoot({ url });
 * imports: [db, HealthModule.forRoot({ database: db })]
 */
@Module({})
export class HealthModule {
  static forRoot({ database }: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), database],
      controllers: [HealthController],
      providers: [RateLimitStoreHealthIndicator, DatabaseHealthIndicator],
    };
  }
}
