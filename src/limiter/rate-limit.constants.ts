/** Injection token of the options given to `RateLimitModule.forRoot()` / `forRootAsync()`. */
export const RATE_LIMIT_OPTIONS = Symbol('RateLimitModuleOptions');

/** Metadata key of `@RateLimit()` options (on a handler or a controller). */
export const RATE_LIMIT_METADATA = 'floodgate:rate-limit';

/** Metadata key of `@SkipRateLimit()`. */
export const SKIP_RATE_LIMIT_METADATA = 'floodgate:skip-rate-limit';
