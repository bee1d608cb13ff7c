/** The limiter library's public surface: `import { RateLimitModule, RateLimit } from 'floodgate/limiter'`. */
export {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  MAX_LIMITS,
  RATE_ALGORITHMS,
  type Algorithm,
  type LimitSpec,
  type Penalty,
  type RateAlgorithm,
} from './algorithms.js';
export {
  CallerGate,
  LIMIT_AS_USUAL,
  type CallerQuery,
  type CallerRefusalReason,
  type CallerVerdict,
} from './caller-gate.js';
export type { Awaitable } from './awaitable.js';
export type { DecisionOrigin, DecisionOutcome, DecisionSource, FailMode, RateLimitDecision } from './decision.js';
export type { DecisionPart } from './decision-parts.js';
export { DEFAULT_HEADER_OPTIONS, rateLimitHeaders, resolveHeaderOptions } from './headers/rate-limit-headers.js';
export { ClientIdentity, DEFAULT_IPV6_SUBNET } from './identity/client-identity.js';
export { clientIp } from './identity/client-ip.js';
export { compileRateLimit, RateLimitOptionsError, type CompiledRateLimit } from './policy/compile-policy.js';
export { DefaultPolicyResolver } from './policy/default-policy.resolver.js';
export {
  DEFAULT_DECAY_FACTOR,
  DEFAULT_MAX_BLOCK_MS,
  MAX_PENALTY_MS,
  MAX_PENALTY_MULTIPLIER,
  penaltyOf,
  withPenaltyDefaults,
} from './policy/penalty.js';
export { PolicyResolver, type PolicyQuery } from './policy/policy-resolver.js';
export type { RateLimitPolicy } from './policy/rate-limit-policy.js';
export { RATE_LIMIT_OPTIONS } from './rate-limit.constants.js';
export { RateLimit, SkipRateLimit } from './rate-limit.decorator.js';
export { RateLimitException, rateLimitException, type RateLimitRefusalBody } from './rate-limit.exception.js';
export { RateLimitGuard, type RouteLimit } from './rate-limit.guard.js';
export type { RateLimitModuleExtras } from './rate-limit.module-definition.js';
export { RateLimitModule } from './rate-limit.module.js';
export type {
  HeaderOptions,
  KeyKind,
  KeySource,
  PenaltyOptions,
  RateLimitModuleOptions,
  RateLimitOptions,
} from './rate-limit.options.js';
export { storeErrorClass, type StoreErrorClass } from './resilience/store-error-class.js';
export {
  RateLimiter,
  type RateLimiterObserver,
  type RateLimiterSettings,
  type StoreOperation,
} from './rate-limiter.js';
export { DECISION_SPAN_NAME, DecisionAttributes } from './tracing/decision-span.js';
export {
  CONCURRENCY_MAX_RETRY_MS,
  RateLimitStore,
  type ConsumeRequest,
  type ConsumeResult,
  type LimitStatus,
  type RefundRequest,
  type ReleaseRequest,
  type StoreTarget,
} from './store/rate-limit.store.js';
export {
  describeRedis,
  InvalidRedisUrlError,
  parseRedisUrl,
  type RedisConnection,
  type RedisCredentials,
  type RedisHost,
} from './store/redis/redis-url.js';
