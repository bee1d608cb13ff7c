import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { PolicyQuery, PolicyResolver } from '../limiter/policy/policy-resolver.js';
import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import type { RulesBus } from './rules-bus.js';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import { type DefaultPolicy, RulesSnapshot } from './rules-snapshot.js';
import { SnapshotFollower, type SnapshotFollowerOptions } from './snapshot-follower.js';

/** Options of `RedisRulesResolver`: where the service nodes publish the rules, and what applies without them. */
export interface RedisRulesResolverOptions extends SnapshotFollowerOptions {
  /** What applies when no rule does (the library's `default`). */
  readonly defaultPolicy?: DefaultPolicy;
}

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
export class RedisRulesResolver implements PolicyResolver, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisRulesResolver.name);
  private readonly resolver: RulesPolicyResolver;
  private readonly follower: SnapshotFollower;
  private failureCount = 0;

  constructor(private readonly options: RedisRulesResolverOptions) {
    this.resolver = new RulesPolicyResolver(options.defaultPolicy);
    this.follower = new SnapshotFollower(
      options,
      { isNewer: (version) => !this.loaded || version > this.current.version, read: (bus) => this.loadNewer(bus) },
      this.logger,
    );
  }

  /** The snapshot in force. */
  get current(): RulesSnapshot {
    return this.resolver.current;
  }

  /** Whether a stored rule set has been loaded yet. */
  get loaded(): boolean {
    return this.resolver.loaded;
  }

  /** Loads that failed since start (for metrics). */
  get failures(): number {
    return this.failureCount;
  }

  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    return this.resolver.resolve(query);
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  /**
   * Connects, subscribes, then loads the stored set (subscribing first, so no version announced in
   * between is missed). Rejects when Redis cannot be reached; a missing or invalid set does not
   * reject: the default applies until a good one arrives.
   */
  start(): Promise<void> {
    return this.follower.start();
  }

  /** Stops reloading and closes the connections. */
  close(): Promise<void> {
    return this.follower.close();
  }

  /**
   * Reads the stored set and swaps it in when it is newer. A call made while a read runs gets the
   * read that starts after it. Resolves whether a new snapshot was swapped in; never rejects.
   */
  reload(): Promise<boolean> {
    return this.follower.reload();
  }

  private async loadNewer(bus: RulesBus): Promise<boolean> {
    try {
      const load = await bus.loadSnapshot();
      if (load === undefined) return false;
      if (this.loaded && load.version <= this.current.version) return false;
      const snapshot = new RulesSnapshot(load.rules, load.version, { defaultPolicy: this.options.defaultPolicy });
      const swapped = this.resolver.swap(snapshot);
      if (swapped) {
        for (const rule of snapshot.invalidRules) {
          this.logger.error({ ...rule, rulesVersion: load.version }, 'stored rule left out: it cannot be enforced');
        }
        this.logger.debug(`rules version ${load.version} loaded from Redis`);
      }
      return swapped;
    } catch (error) {
      this.failureCount++;
      this.logger.error(
        { err: error, failures: this.failureCount },
        'rules load from Redis failed; the last good snapshot stays',
      );
      return false;
    }
  }
}
