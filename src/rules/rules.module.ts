import { Module } from '@nestjs/common';
import { OutboxPublisher } from './outbox-publisher.js';
import { RulesBus } from './rules-bus.js';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import { RulesSnapshotPublisher } from './rules-snapshot.publisher.js';
import { RulesSubscriber } from './rules-subscriber.js';
import { RULES_BUS, RULES_OPTIONS } from './rules.constants.js';
import { RulesController } from './rules.controller.js';
import { ConfigurableRulesModule } from './rules.module-definition.js';
import type { RulesModuleOptions } from './rules.options.js';
import { RulesRefresher } from './rules.refresher.js';
import { RulesRepository } from './rules.repository.js';
import { SnapshotWrites } from './snapshot-writes.js';

/**
 * Admin rules: the REST API under `/v1/admin/rules`, their storage, and this node's compiled
 * snapshot, kept current by `RulesRefresher`. Exports `RulesPolicyResolver` for the limiter.
 * With `redisUrl`, writes are announced to the other nodes at once (`OutboxPublisher`,
 * `RulesSubscriber`) and each loaded rule set is stored for library nodes (`RulesSnapshotPublisher`).
 * `PrismaService` (DbModule) and the admin guard's options (AdminModule) must be injectable here:
 * pass their modules in `forRootAsync({ imports })` (the same module objects the app imports).
 *
 * @example
 * const rules = RulesModule.forRootAsync({
 *   imports: [db, admin, config],
 *   inject: [AppConfig],
 *   useFactory: (config: AppConfig) => ({
 *     defaultPolicy,
 *     refreshIntervalMs: config.rulesRefreshIntervalMs,
 *     redisUrl: config.redisUrl,
 *   }),
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
    {
      provide: RULES_BUS,
      inject: [RULES_OPTIONS],
      useFactory: (options: RulesModuleOptions) =>
        options.redisUrl === undefined
          ? null
          : RulesBus.connect({
              redis: options.redisUrl,
              ...(options.rulesChannel === undefined ? {} : { channel: options.rulesChannel }),
            }),
    },
    SnapshotWrites,
    RulesRepository,
    RulesRefresher,
    OutboxPublisher,
    RulesSubscriber,
    RulesSnapshotPublisher,
  ],
  exports: [RulesPolicyResolver, RulesRefresher, SnapshotWrites, RULES_BUS],
})
export class RulesModule extends ConfigurableRulesModule {}
