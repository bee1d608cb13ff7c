import { Inject, SetMetadata } from '@nestjs/common';
import {
  getRateLimitOptionsToken,
  getRateLimitStoreToken,
  RATE_LIMIT_METADATA,
  SKIP_RATE_LIMIT_METADATA,
} from './rate-limit.constants.js';
import type { RateLimitOptions } from './rate-limit.options.js';

/**
 * Limits a route, or every route of a controller (a handler's own `@RateLimit()` wins over its
 * controller's). The options are validated when the application starts.
 *
 * @example
 * \@RateLimit({ limit: 100, windowMs: 60_000 })
 * \@Get(':id')
 * findOne() {}
 *
 * @publicApi
 */
export const RateLimit = (options: RateLimitOptions): ClassDecorator & MethodDecorator =>
  SetMetadata(RATE_LIMIT_METADATA, options);

/**
 * Exempts a route, or every route of a controller, from rate limiting (module default included).
 *
 * @publicApi
 */
export const SkipRateLimit = (): ClassDecorator & MethodDecorator => SetMetadata(SKIP_RATE_LIMIT_METADATA, true);

/**
 * Injects the store the limiter decides with (a `RateLimitStore`): to read or reset a caller's
 * counters, or to check the store's health.
 *
 * @example
 * constructor(\@InjectRateLimitStore() private readonly store: RateLimitStore) {}
 *
 * @publicApi
 */
export const InjectRateLimitStore = (): PropertyDecorator & ParameterDecorator => Inject(getRateLimitStoreToken());

/**
 * Injects the options given to `RateLimitModule.forRoot()` / `forRootAsync()`
 * (`RateLimitModuleOptions`).
 *
 * @publicApi
 */
export const InjectRateLimitOptions = (): PropertyDecorator & ParameterDecorator => Inject(getRateLimitOptionsToken());
