import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AllowlistController } from './allowlist.controller.js';
import { AllowlistRepository } from './allowlist.repository.js';
import { ACCESS_OPTIONS, type AccessModuleOptions } from './access.options.js';
import { ApiKeyFailures } from './api-key-failures.js';
import { BlocksController } from './blocks.controller.js';
import { BlocksRepository } from './blocks.repository.js';
import { CallerAccessLists } from './caller-access-lists.js';
import { ServiceCallerGate } from './service-caller-gate.js';

export interface AccessModuleConfig extends AccessModuleOptions {
  /**
   * Must provide `PrismaService`, the admin guard, the rules module (`RulesRefresher`,
   * `SnapshotWrites`), the audit log and the API keys module: the app's own module objects.
   * `RateLimiter` comes from the global limiter module.
   */
  readonly imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * Blocks and the allow list: `/v1/admin/blocks`, `/v1/admin/allowlist`, and `ServiceCallerGate`,
 * the limiter's `CallerGate` (blocks, allow list, API keys and tiers, automatic blocks after
 * repeated invalid API keys).
 *
 * @example
 * const access = AccessModule.forRoot({ imports: [db, admin, rules, audit, apiKeys], blockedStatus: 429 });
 * RateLimitModule.forRootAsync({ imports: [rules, access], callerGate: ServiceCallerGate, ... });
 */
@Module({})
export class AccessModule {
  static forRoot({ imports, ...options }: AccessModuleConfig): DynamicModule {
    return {
      module: AccessModule,
      imports: [...imports],
      controllers: [BlocksController, AllowlistController],
      providers: [
        { provide: ACCESS_OPTIONS, useValue: options },
        BlocksRepository,
        AllowlistRepository,
        CallerAccessLists,
        ApiKeyFailures,
        ServiceCallerGate,
      ],
      exports: [ServiceCallerGate, CallerAccessLists, BlocksRepository],
    };
  }
}
