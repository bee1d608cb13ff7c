import { Module } from '@nestjs/common';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import { RULES_OPTIONS } from './rules.constants.js';
import { RulesController } from './rules.controller.js';
import { ConfigurableRulesModule } from './rules.module-definition.js';
import type { RulesModuleOptions } from './rules.options.js';
import { RulesRefresher } from './rules.refresher.js';
import { RulesRepository } from './rules.repository.js';

/**
 * Admin rules: the REST API under `/v1/admin/rules`, their storage, and this node's compiled
 * snapshot, kept current by `RulesRefresher`. Exports `RulesPolicyResolver` for the limiter.
 * `PrismaService` (DbModule) and the admin guard's options (AdminModule) must be injectable here:
 * pass their modules in `forRootAsync({ imports })` (the same module objects the app imports).
 *
 * @example
 * const rules = RulesModule.forRootAsync({
 *   imports: [db, admin, config],
 *   inject: [AppConfig],
 *   useFactory: (config: AppConfig) => ({ defaultPolicy, refreshIntervalMs: config.rulesRefreshIntervalMs }),
 * });
 * RateLimitModule.forRootAsync({ imports: [rules], policyResolver: RulesPolicyResolver, ... });
 */
@Module({
  controllers: [RulesController],
  providers: [
    {
      provide: RulesPolicyResolver,
      inject: [RULES_OPTIONS],
      useFactory: (options: RulesModuleOptions) => new RulesPolicyResolver(options.defaultPolicy),
    },
    RulesRepository,
    RulesRefresher,
  ],
  exports: [RulesPolicyResolver, RulesRefresher],
})
export class RulesModule extends ConfigurableRulesModule {}
