import { ConfigurableModuleBuilder, type Provider, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CallerGate } from './caller-gate.js';
import { PolicyResolver } from './policy/policy-resolver.js';
import { RATE_LIMIT_OPTIONS } from './rate-limit.constants.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import type { RateLimitModuleOptions } from './rate-limit.options.js';
import { RATE_LIMIT_PROVIDERS } from './rate-limit.providers.js';

/**
 * Options of `forRoot` / `forRootAsync` that shape the module rather than the limiter.
 *
 * @publicApi
 */
export interface RateLimitModuleExtras {
  /**
   * Default true: the guard runs on every route (`APP_GUARD`). false: apply it yourself with
   * `@UseGuards(RateLimitGuard)` on the controllers or routes to limit.
   */
  global?: boolean;
  /**
   * Replaces the default `PolicyResolver` with this provider, which must be injectable here: exported
   * by a module listed in `forRootAsync({ imports })`. (The rules module supplies one.)
   */
  policyResolver?: Type<PolicyResolver>;
  /**
   * A `CallerGate` the guard asks before resolving a policy (blocks, allow lists, API keys),
   * injectable here as `policyResolver` is. Without one every caller is limited as usual.
   */
  callerGate?: Type<CallerGate>;
}

export const {
  ConfigurableModuleClass: ConfigurableRateLimitModule,
  OPTIONS_TYPE: RATE_LIMIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RATE_LIMIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RateLimitModuleOptions>({ optionsInjectionToken: RATE_LIMIT_OPTIONS })
  .setClassMethodName('forRoot')
  .setExtras<RateLimitModuleExtras>(
    { global: true, policyResolver: undefined, callerGate: undefined },
    (definition, extras) => {
      const providers: Provider[] = [...(definition.providers ?? []), ...RATE_LIMIT_PROVIDERS];
      if (extras.global !== false) providers.push({ provide: APP_GUARD, useClass: RateLimitGuard });
      if (extras.policyResolver !== undefined) {
        providers.push({ provide: PolicyResolver, useExisting: extras.policyResolver });
      }
      if (extras.callerGate === undefined) return { ...definition, providers };
      providers.push({ provide: CallerGate, useExisting: extras.callerGate });
      // Exported (the module is global) for the app's other entry points, such as a decision API.
      return { ...definition, providers, exports: [...(definition.exports ?? []), CallerGate] };
    },
  )
  .build();
