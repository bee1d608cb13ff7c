import type { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { PolicyQuery, PolicyResolver } from '../limiter/policy/policy-resolver.js';
import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import { CoalescedRun } from './coalesced-run.js';
import { RulesBus, type RulesBusOptions } from './rules-bus.js';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import type { DefaultPolicy, RulesSnapshot } from './rules-snapshot.js';
import { DEFAULT_RULES_REFRESH_INTERVAL_MS } from './rules.options.js';

/** Options of a `SnapshotFollower`: the service nodes' Redis and channel, and what applies without them. */
export interface SnapshotFollowerOptions extends RulesBusOptions {
  /** What applies when no rule does (the library's `default`). */
  readonly defaultPolicy?: DefaultPolicy;
  /** How often the stored snapshot is read in case an announcement was lost (ms, default 5000). */
  readonly refreshIntervalMs?: number;
}

/**
 * The base of the resolvers that follow, from an app without Postgres, the snapshot the service
 * nodes keep in Redis (`RedisRulesResolver`: the rules; `ControlPlaneClient`: everything). It
 * connects, subscribes to the rules channel, reads the snapshot at start, again whenever a newer
 * version is announced or the subscription comes back after an outage, and every
 * `refreshIntervalMs` in case an announcement was lost; reads never overlap (a call during one
 * gets the next). A read that fails keeps the last good snapshot, logged and counted in
 * `failures`. A subclass says how to read and apply the stored snapshot (`load`).
 */
export abstract class SnapshotFollower implements PolicyResolver, OnModuleInit, OnModuleDestroy {
  protected readonly rules: RulesPolicyResolver;
  private readonly reads: CoalescedRun<boolean>;
  private bus: RulesBus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failureCount = 0;

  protected constructor(
    protected readonly options: SnapshotFollowerOptions,
    protected readonly logger: Logger,
  ) {
    this.rules = new RulesPolicyResolver(options.defaultPolicy);
    this.reads = new CoalescedRun(() => this.read());
  }

  /** The rules snapshot in force (its `version`, `ruleCount`, `invalidRules`). */
  get current(): RulesSnapshot {
    return this.rules.current;
  }

  /** Whether a stored snapshot has been loaded yet. */
  get loaded(): boolean {
    return this.rules.loaded;
  }

  /** Loads that failed since start (for metrics). */
  get failures(): number {
    return this.failureCount;
  }

  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    return this.rules.resolve(query);
  }

  onModuleInit(): Promise<void> {
    return this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  /**
   * Connects, subscribes, then loads the stored snapshot (subscribing first, so no version
   * announced in between is missed). Rejects when Redis cannot be reached; a missing or invalid
   * snapshot does not reject: the default applies until a good one arrives.
   */
  async start(): Promise<void> {
    const bus = await RulesBus.connect(this.options);
    this.bus = bus;
    await bus.subscribe(
      {
        version: (version) => {
          if (!this.loaded || version > this.current.version) void this.reload();
        },
        resubscribed: () => void this.reload(),
      },
      this.logger,
    );
    await this.reload();
    this.timer = setInterval(
      () => void this.reload(),
      this.options.refreshIntervalMs ?? DEFAULT_RULES_REFRESH_INTERVAL_MS,
    );
    this.timer.unref();
  }

  /** Stops reloading and closes the connections. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reads.settled();
    this.bus?.close();
    this.bus = undefined;
  }

  /**
   * Reads the stored snapshot and puts it in force when it is newer. A call made while a read runs
   * gets the read that starts after it. Resolves whether a newer snapshot was put in force; never
   * rejects.
   */
  reload(): Promise<boolean> {
    return this.reads.run();
  }

  /** Reads the stored snapshot from `bus` and puts it in force when newer; resolves whether it did; may reject. */
  protected abstract load(bus: RulesBus): Promise<boolean>;

  /** The log line of a failed read. */
  protected abstract readonly loadFailedMessage: string;

  private async read(): Promise<boolean> {
    const bus = this.bus;
    if (bus === undefined) return false;
    try {
      return await this.load(bus);
    } catch (error) {
      this.failureCount++;
      this.logger.error({ err: error, failures: this.failureCount }, this.loadFailedMessage);
      return false;
    }
  }
}
