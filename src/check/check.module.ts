import { type DynamicModule, Module } from '@nestjs/common';
import { CheckCallerGuard } from './check-caller.guard.js';
import { CheckController } from './check.controller.js';
import { CHECK_OPTIONS, type CheckModuleOptions } from './check.options.js';
import { CheckService } from './check.service.js';

/**
 * The decision API. `RateLimiter` and `PolicyResolver` come from the (global) limiter module.
 * `forRoot({ callerTokens })` names the services that may call it (CHECK_TOKENS); the module
 * imported as it is takes any caller, anonymously.
 */
@Module({
  controllers: [CheckController],
  providers: [CheckService, CheckCallerGuard, { provide: CHECK_OPTIONS, useValue: { callerTokens: [] } }],
})
export class CheckModule {
  static forRoot(options: CheckModuleOptions): DynamicModule {
    return { module: CheckModule, providers: [{ provide: CHECK_OPTIONS, useValue: options }] };
  }
}
