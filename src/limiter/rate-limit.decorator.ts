import { SetMetadata } from '@nestjs/common';
import { RATE_LIMIT_METADATA, SKIP_RATE_LIMIT_METADATA } from './rate-limit.constants.js';
import type { RateLimitOptions } from './rate-limit.options.js';

/**
 * Limits a route, or every route of a controller (a handler's own `@RateLimit()` wins over its
 * controller's). The options are validated when the application starts.
 *
 * @example
 * \@RateLimit({ limit: 100, windowMs: 60_000 })
 * \@Get(':id')
 * findOne() {}
 */
export const RateLimit = (options: RateLimitOptions): ClassDecorator & MethodDecorator =>
  SetMetadata(RATE_LIMIT_METADATA, options);

/** Exempts a route, or every route of a controller, from rate limiting (module default included). */
export const SkipRateLimit = (): ClassDecorator & MethodDecorator => SetMetadata(SKIP_RATE_LIMIT_METADATA, true);
