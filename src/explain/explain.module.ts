import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ExplainController } from './explain.controller.js';
import { ExplainService } from './explain.service.js';

/** Options of `ExplainModule.forRoot`. */
export interface ExplainModuleOptions {
  /**
   * Must provide `RulesPolicyResolver` (the rules module) and the admin guard (the admin module):
   * the same module objects the app imports. `RateLimiter` comes from the global limiter module.
   */
  readonly imports: NonNullable<ModuleMetadata['imports']>;
}

/**
 * `POST /v1/admin/explain`.
 *
 * @example
 * ExplainModule.forRoot({ imports: [adminModule, rulesModule] })
 */
@Module({})
export class ExplainModule {
  static forRoot({ imports }: ExplainModuleOptions): DynamicModule {
    return {
      module: ExplainModule,
      imports: [...imports],
      controllers: [ExplainController],
      providers: [ExplainService],
    };
  }
}
