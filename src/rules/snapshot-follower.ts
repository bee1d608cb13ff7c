import type { Logger } from '@nestjs/common';
import { CoalescedRun } from './coalesced-run.js';
import { RulesBus, type RulesBusOptions } from './rules-bus.js';
import { DEFAULT_RULES_REFRESH_INTERVAL_MS } from './rules.options.js';

/** Options of a `SnapshotFollower`: the service nodes' Redis and channel, and the safety-net poll. */
export interface SnapshotFollowerOptions extends RulesBusOptions {
  /** How often the stored snapshot is read in case an announcement was lost (ms, default 5000). */
  readonly refreshIntervalMs?: number;
}

/** What a follower does with the stored snapshot. */
export interface SnapshotReader {
  /** Whether an announced version is newer than what is in force (then it is read). */
  isNewer(version: number): boolean;
  /** Reads the stored snapshot from `bus` and puts it in force; resolves whether it did; never rejects. */
  read(bus: RulesBus): Promise<boolean>;
}

/**
 * Follows the snapshot the service nodes keep in Redis, for apps without Postgres: connects,
 * subscribes to the rules channel, reads the snapshot at start, again whenever a newer version is
 * announced or the subscription comes back after an outage, and every `refreshIntervalMs` in case
 * an announcement was lost. Reads never overlap: a call during one gets the next (`CoalescedRun`).
 * `RedisRulesResolver` (rules) and `ControlPlaneClient` (everything) read through one.
 */
export class SnapshotFollower {
  private readonly reads: CoalescedRun<boolean>;
  private bus: RulesBus | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SnapshotFollowerOptions,
    private readonly reader: SnapshotReader,
    private readonly logger: Logger,
  ) {
    this.reads = new CoalescedRun(() => (this.bus === undefined ? Promise.resolve(false) : this.reader.read(this.bus)));
  }

  /**
   * Connects, subscribes, then reads (subscribing first, so no version announced in between is
   * missed). Rejects when Redis cannot be reached.
   */
  async start(): Promise<void> {
    const bus = await RulesBus.connect(this.options);
    this.bus = bus;
    await bus.subscribe(
      {
        version: (version) => {
          if (this.reader.isNewer(version)) void this.reload();
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

  /** Stops reading and closes the connections. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.reads.settled();
    this.bus?.close();
    this.bus = undefined;
  }

  /** A read that starts after this call; resolves whether it put a newer snapshot in force. */
  reload(): Promise<boolean> {
    return this.reads.run();
  }
}
