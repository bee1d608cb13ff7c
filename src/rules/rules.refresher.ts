import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { RulesBus } from './rules-bus.js';
import { RulesPolicyResolver } from './rules-policy.resolver.js';
import { RulesSnapshot } from './rules-snapshot.js';
import { RULES_BUS, RULES_OPTIONS } from './rules.constants.js';
import {
  DEFAULT_RULES_REFRESH_INTERVAL_MS,
  DEFAULT_RULES_STALE_AFTER_MS,
  type RulesModuleOptions,
} from './rules.options.js';
import { RulesRepository, type SnapshotLoad } from './rules.repository.js';
import type { InvalidRowHandler, SnapshotSection } from './snapshot-section.js';
import { SnapshotWrites } from './snapshot-writes.js';
import { CoalescedRun } from './coalesced-run.js';
import { VersionLag } from './version-lag.js';

/**
 * How a node's read of the snapshot stored in Redis ended, when it catches up with an announcement:
 * - `applied`;
 * - `stale`: none stored, older than announced, stored by a node that writes rules only, or read
 *   from another database (a fleet sharing the channel); the node reads Postgres instead;
 * - `failed`: Redis did not answer, or the snapshot did not decode or compile; logged, and the node
 *   reads Postgres instead.
 */
export type SnapshotReadResult = 'applied' | 'stale' | 'failed';

/** A stored row the snapshot in force leaves out because it cannot be enforced. */
export interface InvalidSnapshotEntry {
  /** `rules`, or the name of the section the row belongs to (`blocks`, `allowlist`, ...). */
  readonly section: string;
  readonly id: string;
  /** A rule's name, when it has one. */
  readonly name?: string;
  readonly reason: string;
}

/** This node has been behind the stored rules version for longer than it may be. */
export interface RulesStaleness {
  /** The version this node enforces. */
  readonly version: number;
  /** The newest version it knows is stored. */
  readonly storedVersion: number;
  readonly behindForMs: number;
}

/**
 * Keeps this node's `RulesSnapshot` current. It loads from Postgres when the module starts, after
 * every local write (before the write is answered), and whenever the periodic read of
 * `rules_version` shows another node wrote. A version announced on the rules channel is taken from
 * the snapshot the announcing node stored in Redis (`catchUp()`): one Redis read instead of a
 * Postgres transaction per node and change, which is most of a change's propagation time on a busy
 * node. A stored rule or section row that cannot be enforced is left out of the snapshot, logged
 * and listed in `invalid`: one bad row never holds back the rest. A load that fails (database down,
 * a section that does not compile) keeps the last good snapshot, is logged and counted in
 * `failures`; a node left behind the stored version for longer than `staleAfterMs` says so in
 * `staleness()`. The snapshot's other sections (API keys, blocks, ...: `addSection()`) are loaded
 * and swapped in with the rules.
 */
@Injectable()
export class RulesRefresher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RulesRefresher.name);
  private readonly intervalMs: number;
  private readonly staleAfterMs: number;
  private readonly lag = new VersionLag();
  private invalidEntries: readonly InvalidSnapshotEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new CoalescedRun<boolean>(() => this.load());
  private failureCount = 0;
  private loadCount = 0;
  private stopped = false;
  private readonly loadListeners: ((load: SnapshotLoad) => Promise<unknown>)[] = [];
  private readonly sections: SnapshotSection[] = [];
  private readonly reads = new Map<SnapshotReadResult, number>();
  /** The database this node last loaded from: a snapshot in Redis read from another is not ours. */
  private databaseId: string | undefined;
  /** The read of the stored snapshot in progress: announcements arriving meanwhile wait for it. */
  private storedRead: Promise<boolean> | undefined;

  constructor(
    @Inject(RulesRepository) private readonly repository: RulesRepository,
    @Inject(RulesPolicyResolver) private readonly resolver: RulesPolicyResolver,
    @Inject(RULES_OPTIONS) private readonly options: RulesModuleOptions,
    @Inject(SnapshotWrites) writes: SnapshotWrites,
    @Inject(RULES_BUS) private readonly bus: RulesBus | null,
  ) {
    this.intervalMs = options.refreshIntervalMs ?? DEFAULT_RULES_REFRESH_INTERVAL_MS;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_RULES_STALE_AFTER_MS;
    // A write is answered once this node enforces it.
    writes.onCommit((version) => this.loadAtLeast(version));
  }

  /** Whether a snapshot of the stored rules is in force (the node is not ready before). */
  get loaded(): boolean {
    return this.resolver.loaded;
  }

  /** Loads and version checks that failed since start (for metrics). */
  get failures(): number {
    return this.failureCount;
  }

  /**
   * Loads that read and compiled the stored rules since start (from Postgres, or from Redis when
   * catching up), whether or not they were newer (for metrics).
   */
  get loads(): number {
    return this.loadCount;
  }

  /** The rules version this node enforces. */
  get version(): number {
    return this.resolver.current.version;
  }

  /** The rows the snapshot in force leaves out because they cannot be enforced (for health and metrics). */
  get invalid(): readonly InvalidSnapshotEntry[] {
    return this.invalidEntries;
  }

  /**
   * How far behind this node is, once it has been behind the newest version it knows is stored for
   * longer than `staleAfterMs`; undefined while it is current, or behind for less.
   */
  staleness(now = Date.now()): RulesStaleness | undefined {
    const behindForMs = this.lag.behindForMs(now);
    if (behindForMs <= this.staleAfterMs) return undefined;
    return { version: this.version, storedVersion: this.lag.newestKnown, behindForMs };
  }

  /** Reads of the snapshot stored in Redis since start, by how they ended (for metrics). */
  get snapshotReads(): ReadonlyMap<SnapshotReadResult, number> {
    return this.reads;
  }

  /** Loads `section` with the rules from the next load on (call it before the module starts). */
  addSection<Rows, Compiled>(section: SnapshotSection<Rows, Compiled>): void {
    this.sections.push(section as SnapshotSection);
  }

  /**
   * Calls `listener` after every load from Postgres that put a snapshot in force (to store it in
   * Redis for the other nodes); the load resolves once every listener settled.
   */
  onLoad(listener: (load: SnapshotLoad) => Promise<unknown>): void {
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

  /**
   * Resolves once this node enforces `version` or a newer one, loading from Postgres unless the load
   * in progress brings it. Resolves false when no load got there; never rejects.
   */
  async loadAtLeast(version: number): Promise<boolean> {
    this.observe(version);
    if (this.enforces(version)) return true;
    await this.runs.settled();
    if (!this.enforces(version)) await this.reload();
    return this.enforces(version);
  }

  /**
   * Catches up with `version`, announced on the rules channel: from the snapshot stored in Redis
   * when it is that version or newer, otherwise from Postgres. Never rejects.
   */
  async catchUp(version: number): Promise<boolean> {
    this.observe(version);
    if (this.enforces(version)) return true;
    // A load in progress (the periodic check's, say) or a read for another announcement of the
    // same change (the outbox announces it too) may already bring it.
    await this.runs.settled();
    while (this.storedRead !== undefined) await this.storedRead;
    // No await from the check above to applyStored() marking its read: one read per change.
    if (this.enforces(version)) return true;
    if (this.stopped) return false;
    return (await this.applyStored(version)) || this.loadAtLeast(version);
  }

  /** The periodic check: one small read, and a load only when the version moved (or none loaded yet). */
  async check(): Promise<void> {
    try {
      const version = await this.repository.rulesVersion();
      if (this.stopped) return;
      this.observe(version);
      if (this.loaded && version === this.resolver.current.version) return;
    } catch (error) {
      if (this.stopped) return;
      this.fail('rules version check failed', error);
      return;
    }
    await this.reload();
  }

  private enforces(version: number): boolean {
    return this.loaded && this.version >= version;
  }

  /** Notes that `version` is stored (or about to be, for a write's own load). */
  private observe(version: number): void {
    this.lag.observe(version, this.enforced(), Date.now());
  }

  /** The version in force, or -1 before the first load (a node with none is behind any version). */
  private enforced(): number {
    return this.loaded ? this.version : -1;
  }

  private async load(): Promise<boolean> {
    try {
      const load = await this.repository.loadAll(this.sections);
      this.databaseId = load.databaseId;
      this.observe(load.version);
      const swapped = this.apply(load, 'Postgres');
      if (swapped) await Promise.allSettled(this.loadListeners.map((listener) => listener(load)));
      return swapped;
    } catch (error) {
      this.fail('rules snapshot load failed; the last good snapshot stays', error);
      return false;
    } finally {
      this.lag.update(this.enforced(), Date.now());
    }
  }

  /** Takes the snapshot stored in Redis when it brings `version`; false sends the caller to Postgres. */
  private applyStored(version: number): Promise<boolean> {
    const read = this.readStored(version).finally(() => {
      if (this.storedRead === read) this.storedRead = undefined;
    });
    this.storedRead = read;
    return read;
  }

  private async readStored(version: number): Promise<boolean> {
    if (this.bus === null) return false;
    try {
      const stored = await this.bus.loadFullSnapshot();
      if (stored === undefined || stored.version < version || stored.databaseId !== this.databaseId) {
        return this.read('stale');
      }
      // A load from Postgres may have put it in force while this read was on its way.
      if (!this.enforces(stored.version)) this.apply(stored, 'Redis');
      this.lag.update(this.enforced(), Date.now());
      this.read('applied');
      return true;
    } catch (error) {
      this.logger.warn({ err: error, version }, 'rules snapshot in Redis not usable; loading from Postgres');
      return this.read('failed');
    }
  }

  /**
   * Compiles `load` and swaps it in unless a newer snapshot is in force, leaving out the rows that
   * cannot be enforced; throws when a section does not compile at all.
   */
  private apply(load: SnapshotLoad, source: string): boolean {
    const { rules, version } = load;
    const snapshot = new RulesSnapshot(rules, version, { defaultPolicy: this.options.defaultPolicy });
    const invalid: InvalidSnapshotEntry[] = snapshot.invalidRules.map(({ id, name, reason }) => ({
      section: 'rules',
      id,
      ...(name === undefined ? {} : { name }),
      reason,
    }));
    const compiled = this.sections.map((section) =>
      compileSection(section, load.sections[section.name], (id, reason) =>
        invalid.push({ section: section.name, id, reason }),
      ),
    );
    this.loadCount++;
    const swapped = this.resolver.swap(snapshot);
    if (swapped) {
      this.sections.forEach((section, i) => section.swap(compiled[i], version));
      this.reportInvalid(invalid, version);
      this.logger.debug(`rules version ${version} loaded from ${source} (${snapshot.enabledRuleCount} enabled rules)`);
    }
    return swapped;
  }

  /** Logs the rows left out that the snapshot before did not already leave out, then keeps the list. */
  private reportInvalid(invalid: readonly InvalidSnapshotEntry[], version: number): void {
    const known = new Set(this.invalidEntries.map(entryKey));
    for (const entry of invalid) {
      if (!known.has(entryKey(entry))) {
        this.logger.error(
          { ...entry, rulesVersion: version },
          `stored ${entry.section} row left out: it cannot be enforced`,
        );
      }
    }
    this.invalidEntries = Object.freeze(invalid);
  }

  /** Counts a read of the stored snapshot that ended in `result`; true when it was applied. */
  private read(result: SnapshotReadResult): boolean {
    this.reads.set(result, (this.reads.get(result) ?? 0) + 1);
    return result === 'applied';
  }

  private fail(message: string, error: unknown): void {
    this.failureCount++;
    this.logger.error({ err: error, failures: this.failureCount }, message);
  }
}

function entryKey({ section, id, reason }: InvalidSnapshotEntry): string {
  return `${section}\u0000${id}\u0000${reason}`;
}

function compileSection(section: SnapshotSection, rows: unknown, invalid: InvalidRowHandler): unknown {
  try {
    if (rows === undefined) throw new Error('no rows');
    return section.compile(rows, invalid);
  } catch (error) {
    throw new Error(`snapshot section "${section.name}" does not compile: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
