/**
 * The limiter library's public surface, `import { RateLimitModule, RateLimit } from
 * '@floodgate/limiter'`: every name here is stable (`@publicApi`); everything else is internal and
 * may change in any release. Store authors also get `@floodgate/limiter/testing`.
 */
// Routes and the module.
export { RateLimitModule } from './rate-limit.module.js';
export type { RateLimitModuleExtras } from './rate-limit.module-definition.js';
export type { RateLimitModuleOptions, RateLimitOptions } from './rate-limit.options.js';
export { InjectRateLimitOptions, InjectRateLimitStore, RateLimit, SkipRateLimit } from './rate-limit.decorator.js';
export { getRateLimitOptionsToken, getRateLimitStoreToken } from './rate-limit.constants.js';
export { RateLimitGuard } from './rate-limit.guard.js';
export { RateLimitException } from './rate-limit.exception.js';

// Deciding in code, and what a decision says.
export { RateLimiter } from './rate-limiter.js';
export type { FailMode, RateLimitDecision } from './decision.js';
export type { DecisionPart } from './decision-parts.js';
export type { Algorithm, LimitSpec } from './algorithms.js';

// Extension points: where limits come from, who is exempt or refused.
export { PolicyResolver, type PolicyQuery } from './policy/policy-resolver.js';
export type { RateLimitPolicy } from './policy/rate-limit-policy.js';
export { compileRateLimit } from './policy/compile-policy.js';
export { CallerGate, LIMIT_AS_USUAL, type CallerQuery, type CallerVerdict } from './caller-gate.js';

// Stores.
export {
  RateLimitStore,
  type ConsumeRequest,
  type ConsumeResult,
  type RefundRequest,
  type ReleaseRequest,
  type StoreTarget,
} from './store/rate-limit.store.js';
export { BaseRateLimitStore, type StateUpdate, type StoredState } from './store/base.store.js';
export { MemoryRateLimitStore } from './store/memory/memory.store.js';
