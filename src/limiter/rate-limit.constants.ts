import { RateLimitStore } from './store/rate-limit.store.js';

/** Injection token of the options given to `RateLimitModule.forRoot()` / `forRootAsync()`. */
export const RATE_LIMIT_OPTIONS = Symbol('RateLimitModuleOptions');

/** Metadata key of `@RateLimit()` options (on a handler or a controller). */
export const RATE_LIMIT_METADATA = 'floodgate:rate-limit';

/** Metadata key of `@SkipRateLimit()`. */
export const SKIP_RATE_LIMIT_METADATA = 'floodgate:skip-rate-limit';

/**
 * The injection token of the module's options (what `InjectRateLimitOptions()` injects), for a
 * provider that cannot use the decorator (a factory's `inject`, `moduleRef.get`).
 *
 * @publicApi
 */
export const getRateLimitOptionsToken = (): symbol => RATE_LIMIT_OPTIONS;

/**
 * The injection token of the store the limiter decides with (what `InjectRateLimitStore()`
 * injects): the one given as `store`, else the Redis store (behind its circuit breaker) or the
 * memory store the module made.
 *
 * @publicApi
 */
export const getRateLimitStoreToken = (): symbol => RateLimitStore;
