import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PolicyResolver } from './policy/policy-resolver.js';
import { RATE_LIMIT_OPTIONS } from './rate-limit.constants.js';
import { ConfigurableRateLimitModule } from './rate-limit.module-definition.js';
import { RateLimiter } from './rate-limiter.js';
import { RateLimitStore } from './store/rate-limit.store.js';

/**
 * Rate limiting for a Nest app (Fastify or Express). Global: its exports (`RateLimiter`,
 * `PolicyResolver`, the store (`InjectRateLimitStore()`), the options (`InjectRateLimitOptions()`))
 * are injectable everywhere.
 *
 * @example
 * \@Module({ imports: [RateLimitModule.forRoot({ redis: 'redis://127.0.0.1:6379', default: { limit: 100, windowMs: 60_000 } })] })
 * export class AppModule {}
 *
 * RateLimitModule.forRootAsync({ inject: [AppConfig], useFactory: (c: AppConfig) => ({ redis: c.redisUrl }) });
 *
 * @publicApi
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  exports: [RateLimiter, PolicyResolver, RateLimitStore, RATE_LIMIT_OPTIONS],
})
export class RateLimitModule extends ConfigurableRateLimitModule {}
