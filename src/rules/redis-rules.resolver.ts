import { Logger } from '@nestjs/common';
import type { RulesBus } from './rules-bus.js';
import { RulesSnapshot } from './rules-snapshot.js';
import { SnapshotFollower, type SnapshotFollowerOptions } from './snapshot-follower.js';

/** Options of `RedisRulesResolver`: where the service nodes publish the rules, and what applies without them. */
export type RedisRulesResolverOptions = SnapshotFollowerOptions;

/**
 * The admin rules for a node that embeds only the limiter library (Redis, no Postgres): loads the
 * rule set the service nodes store in Redis at start, reloads it whenever a newer version is
 * announced on the rules channel (and periodically, in case an announcement was lost), and answers
 * from the compiled snapshot like `RulesPolicyResolver`. A stored rule that does not compile is
 * left out and logged (`current.invalidRules` names it); a set that fails to load or decode keeps
 * the last good one and is counted in `failures`. Use the same `channel` as the service nodes.
 *
 * @example
 * const resolver = { provide: RedisRulesResolver, useFactory: () => new RedisRulesResolver({ redis: url, defaultPolicy }) };
 * // in a module (say RulesClientModule) that provides and exports it:
 * RateLimitModule.forRootAsync({ imports: [RulesClientModule], policyResolver: RedisRulesResolver, useFactory: ... });
 */
export class RedisRulesResolver extends SnapshotFollower {
  protected readonly loadFailedMessage = 'rules load from Redis failed; the last good snapshot stays';

  constructor(options: RedisRulesResolverOptions) {
    super(options, new Logger(RedisRulesResolver.name));
  }

  protected async load(bus: RulesBus): Promise<boolean> {
    const load = await bus.loadSnapshot();
    if (load === undefined) return false;
    if (this.loaded && load.version <= this.current.version) return false;
    const snapshot = new RulesSnapshot(load.rules, load.version, { defaultPolicy: this.options.defaultPolicy });
    const swapped = this.rules.swap(snapshot);
    if (swapped) {
      for (const rule of snapshot.invalidRules) {
        this.logger.error({ ...rule, rulesVersion: load.version }, 'stored rule left out: it cannot be enforced');
      }
      this.logger.debug(`rules version ${load.version} loaded from Redis`);
    }
    return swapped;
  }
}
