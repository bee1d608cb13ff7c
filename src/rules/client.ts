/**
 * The admin rules for apps that embed only the limiter (Redis, no Postgres):
 * `import { RedisRulesResolver } from 'floodgate/rules-client'`. Nothing here touches the database.
 *
 * @example
 * \@Module({ providers: [{ provide: RedisRulesResolver, useFactory: () => new RedisRulesResolver({ redis: url }) }],
 *   exports: [RedisRulesResolver] })
 * class RulesClientModule {}
 * RateLimitModule.forRootAsync({ imports: [RulesClientModule], policyResolver: RedisRulesResolver, useFactory: ... });
 */
export { RedisRulesResolver, type RedisRulesResolverOptions } from './redis-rules.resolver.js';
export { DEFAULT_RULES_CHANNEL } from './rules-bus.js';
