import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import { RulesSnapshot } from './rules-snapshot.js';
import { RULES_OPTIONS } from './rules.constants.js';
import { DEFAULT_RULES_REFRESH_INTERVAL_MS, type RulesModuleOptions } from './rules.options.js';
import { RulesRepository, type RulesLoad } from './rules.repository.js';
import type { SnapshotSection } from './snapshot-section.js';
import { CoalescedRun } from './coalesced-run.js';

/**
 * Keeps this node's `RulesSnapshot` current: loads it when the module starts, again right after
 * every local write (`reload()`), and whenever the periodic read of `rules_version` shows another
 * node wrote. A load that fails (database down, a stored rule or a section that does not compile)
 * keeps the last good snapshot, is logged and counted in `failures`. The snapshot's other sections
 * (API keys, blocks, ...: `addSection()`) are loaded and swapped in with the rules.
 */
@Injectable()
export class RulesRefresher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RulesRefresher.name);
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new CoalescedRun<boolean>(() => this.load());
  private failureCount = 0;
  private loadCount = 0;
  private stopped = false;
  private readonly loadListeners: ((load: RulesLoad) => void)[] = [];
  private readonly sections: SnapshotSection[] = [];

  constructor(
    @Inject(RulesRepository) private readonly repository: RulesRepository,
    @Inject(RulesPolicyResolver) private readonly resolver: RulesPolicyResolver,
    @Inject(RULES_OPTIONS) private readonly options: RulesModuleOptions,
  ) {
    this.intervalMs = options.refreshIntervalMs ?? DEFAULT_RULES_REFRESH_INTERVAL_MS;
  }

  /** Whether a snapshot of the stored rules is in force (the node is not ready before). */
  get loaded(): boolean {
    return this.resolver.loaded;
  }

  /** Loads and version checks that failed since start (for metrics). */
  get failures(): number {
    return this.failureCount;
  }

  /** Loads that read and compiled the stored rules since start, whether or not they were newer (for metrics). */
  get loads(): number {
    return this.loadCount;
  }

  /** The rules version this node enforces. */
  get version(): number {
    return this.resolver.current.version;
  }

  /** Loads `section` with the rules from the next load on (call it before the module starts). */
  addSection<Rows, Compiled>(section: SnapshotSection<Rows, Compiled>): void {
    this.sections.push(section as SnapshotSection);
  }

  /** Calls `listener` after every load that put a snapshot in force (to pass it on to library nodes). */
  onLoad(listener: (load: RulesLoad) => void): void {
    this.loadListeners.push(listener);
  }

  async onModuleInit(): Promise<void> {
    // A failed first load does not fail the start: the periodic check retries, and `loaded` says why
    // the node is not ready meanwhile.
    await this.reload();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    // The check must not keep a process alive that is otherwise done.
    this.timer.unref();
  }

  /** Stops the periodic check and waits for a load in progress, before the database is disconnected. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.runs.settled();
  }

  /**
   * Loads every rule and swaps the snapshot in. Calls made while a load runs share one load that
   * starts after it, so a caller always gets a load that began after its own write committed.
   * Resolves true when a snapshot was swapped in; never rejects.
   */
  reload(): Promise<boolean> {
    return this.runs.run();
  }

  /** The periodic check: one small read, and a load only when the version moved (or none loaded yet). */
  async check(): Promise<void> {
    try {
      const version = await this.repository.rulesVersion();
      if (this.stopped) return;
      if (this.loaded && version === this.resolver.current.version) return;
    } catch (error) {
      if (this.stopped) return;
      this.fail('rules version check failed', error);
      return;
    }
    await this.reload();
  }

  private async load(): Promise<boolean> {
    try {
      const load = await this.repository.loadAll(this.sections);
      const { rules, version } = load;
      const snapshot = new RulesSnapshot(rules, version, { defaultPolicy: this.options.defaultPolicy });
      const compiled = this.sections.map((section, i) => compileSection(section, load.sections[i]));
      this.loadCount++;
      const swapped = this.resolver.swap(snapshot);
      if (swapped) {
        this.sections.forEach((section, i) => section.swap(compiled[i], version));
        this.logger.debug(`rules version ${version} loaded (${snapshot.enabledRuleCount} enabled rules)`);
        for (const listener of this.loadListeners) listener(load);
      }
      return swapped;
    } catch (error) {
      this.fail('rules snapshot load failed; the last good snapshot stays', error);
      return false;
    }
  }

  private fail(message: string, error: unknown): void {
    this.failureCount++;
    this.logger.error({ err: error, failures: this.failureCount }, message);
  }
}

function compileSection(section: SnapshotSection, rows: unknown): unknown {
  try {
    return section.compile(rows);
  } catch (error) {
    throw new Error(`snapshot section "${section.name}" does not compile: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
