import { Inject, Injectable } from '@nestjs/common';
import { RATE_LIMIT_OPTIONS } from '../rate-limit.constants.js';
import type { RateLimitModuleOptions } from '../rate-limit.options.js';
import { compileRateLimit, type CompiledRateLimit } from './compile-policy.js';
import type { PolicyQuery, PolicyResolver } from './policy-resolver.js';
import type { RateLimitPolicy } from './rate-limit-policy.js';

/** Where the module's `default` options are named in error messages. */
export const MODULE_DEFAULT_SOURCE = 'RateLimitModule default';

/**
 * The module's `default` options compiled (and so validated) once, or undefined when there are none.
 */
export function compileModuleDefault(options: RateLimitModuleOptions): CompiledRateLimit | undefined {
  return options.default === undefined ? undefined : compileRateLimit(options.default, MODULE_DEFAULT_SOURCE);
}

/**
 * The resolver used unless the app supplies its own: the route's declared policy, else the module's
 * `default` (named after the resource unless it has a `name`), else none (not limited).
 */
@Injectable()
export class DefaultPolicyResolver implements PolicyResolver {
  private readonly fallback: CompiledRateLimit | undefined;

  constructor(@Inject(RATE_LIMIT_OPTIONS) options: RateLimitModuleOptions) {
    this.fallback = compileModuleDefault(options);
  }

  /** No policy of its own: the route's `@RateLimit()` or the module default, as the guard passes them. */
  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    return query.declared ?? this.fallback?.policyFor(query.resource);
  }
}
