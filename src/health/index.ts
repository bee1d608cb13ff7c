export { HealthModule, type HealthModuleOptions } from './health.module.js';
export { RateLimitStoreHealthIndicator, STORE_PING_TIMEOUT_MS } from './rate-limit-store.health.js';
export { RulesHealthIndicator } from './rules.health.js';
