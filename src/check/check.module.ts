import { type DynamicModule, Module } from '@nestjs/common';
import { AuthRequestController } from './auth-request.controller.js';
import { AuthRequestReader } from './auth-request.reader.js';
import { CheckCallerGuard } from './check-caller.guard.js';
import { CheckController } from './check.controller.js';
import { CHECK_OPTIONS, type CheckModuleOptions } from './check.options.js';
import { CheckService } from './check.service.js';

/**
 * The decision API: `POST /v1/check` and `/v1/check/release`, and `GET /v1/check/auth-request`
 * for nginx. `RateLimiter` and `PolicyResolver` come from the (global) limiter module.
 * `forRoot({ callerTokens, trustedProxies })` names the services that may call it (CHECK_TOKENS)
 * and the proxies that may name a client's address (TRUSTED_PROXIES); the module imported as it is
 * takes any caller, anonymously, and believes no proxy.
 */
@Module({
  controllers: [CheckController, AuthRequestController],
  providers: [
    CheckService,
    CheckCallerGuard,
    AuthRequestReader,
    { provide: CHECK_OPTIONS, useValue: { callerTokens: [] } },
  ],
})
export class CheckModule {
  static forRoot(options: CheckModuleOptions): DynamicModule {
    return { module: CheckModule, providers: [{ provide: CHECK_OPTIONS, useValue: options }] };
  }
}
