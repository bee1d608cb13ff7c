import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AccessGate } from '../access/access-gate.js';
import { AccessLists, ALLOWLIST_SECTION, AllowList, BlockList, BLOCKS_SECTION } from '../access/access-lists.js';
import { API_KEYS_SECTION, type ApiKeyRow, ApiKeyTable } from '../api-keys/api-key-table.js';
import type { AllowlistEntry, Block, SystemState } from '../db/index.js';
import type { CallerGate, CallerQuery, CallerVerdict } from '../limiter/caller-gate.js';
import type { PolicyQuery, PolicyResolver } from '../limiter/policy/policy-resolver.js';
import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import type { LoadState } from '../rules/load-state.js';
import type { RulesBus } from '../rules/rules-bus.js';
import { RulesPolicyResolver } from '../rules/rules-policy.resolver.js';
import { type DefaultPolicy, RulesSnapshot } from '../rules/rules-snapshot.js';
import type { SnapshotLoad } from '../rules/rules.repository.js';
import { SnapshotFollower, type SnapshotFollowerOptions } from '../rules/snapshot-follower.js';
import { compileSystemState, SYSTEM_STATE_SECTION } from '../system/system-state.js';

/** Options of `ControlPlaneClient`: where the service nodes publish the snapshot, and what applies without it. */
export interface ControlPlaneClientOptions extends SnapshotFollowerOptions {
  /** What applies when no rule does (the limiter's `default`). */
  readonly defaultPolicy?: DefaultPolicy;
  /** The status a blocked caller gets (default 429), as the service's `BLOCK_RESPONSE_STATUS`. */
  readonly blockedStatus?: 403 | 429;
}

/** A stored row the snapshot in force leaves out, as `RulesRefresher.invalid` reports it on service nodes. */
export interface LeftOutRow {
  /** `rules`, `blocks`, `allowlist` or `api_keys`. */
  readonly section: string;
  readonly id: string;
  readonly reason: string;
}

/** Everything one snapshot version enforces, swapped in as one. */
interface Enforced {
  readonly version: number;
  readonly lists: AccessLists;
  readonly keys: ApiKeyTable;
  readonly state: LoadState;
}

const NOTHING: Enforced = Object.freeze({
  version: 0,
  lists: AccessLists.EMPTY,
  keys: ApiKeyTable.EMPTY,
  state: 'NORMAL',
});

/**
 * The whole control plane for an app that embeds only the limiter (Redis, no Postgres): the admin
 * rules, API keys and their tiers, blocks, the allow list and the NORMAL/DEGRADED state, all from
 * the snapshot the service nodes store in Redis with every rules version, through the same
 * announcement channel they hear. It is the app's `PolicyResolver` and its `CallerGate`, and
 * decides exactly as a service node does (`RulesSnapshot` and `AccessGate` over the same rows).
 *
 * It loads the snapshot at start, again whenever a newer version is announced, and periodically
 * in case an announcement was lost. A stored row that cannot be enforced is left out and logged
 * (`invalid`); a snapshot that does not decode or whose section does not compile keeps the last
 * good one, logged and counted (`failures`). Before the first snapshot the default policy applies
 * and nobody is blocked. Invalid API keys answer 401 but are not counted toward blocking the
 * address: that needs the database, and stays with the service nodes.
 *
 * @example
 * const controlPlane = ControlPlaneClientModule.forRoot({ redis: 'redis://fleet-redis:6379' });
 * \@Module({
 *   imports: [
 *     controlPlane,
 *     RateLimitModule.forRootAsync({
 *       imports: [controlPlane],
 *       policyResolver: ControlPlaneClient,
 *       callerGate: ControlPlaneClient,
 *       useFactory: () => ({ redis: 'redis://fleet-redis:6379' }),
 *     }),
 *   ],
 * })
 * class AppModule {}
 */
export class ControlPlaneClient implements PolicyResolver, CallerGate, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ControlPlaneClient.name);
  private readonly rules: RulesPolicyResolver;
  private readonly gate: AccessGate;
  private readonly follower: SnapshotFollower;
  private enforced: Enforced = NOTHING;
  private leftOut: readonly LeftOutRow[] = [];
  private failureCount = 0;

  constructor(private readonly options: ControlPlaneClientOptions) {
    this.rules = new RulesPolicyResolver(options.defaultPolicy);
    this.gate = new AccessGate(
      { lists: () => this.enforced.lists, keys: () => this.enforced.keys },
      { blockedStatus: options.blockedStatus },
    );
    this.follower = new SnapshotFollower(
      options,
      { isNewer: (version) => !this.loaded || version > this.current.version, read: (bus) => this.loadNewer(bus) },
      this.logger,
    );
  }

  /** The rules snapshot in force (its `version`, `ruleCount`, `invalidRules`). */
  get current(): RulesSnapshot {
    return this.rules.current;
  }

  /** Whether a stored snapshot has been loaded yet. */
  get loaded(): boolean {
    return this.rules.loaded;
  }

  /** The fleet's load state in force. */
  get loadState(): LoadState {
    return this.enforced.state;
  }

  /** The blocks and the allow list in force. */
  get accessLists(): AccessLists {
    return this.enforced.lists;
  }

  /** How many API keys the snapshot in force holds (revoked ones included). */
  get apiKeyCount(): number {
    return this.enforced.keys.size;
  }

  /** The stored rows the snapshot in force leaves out. */
  get invalid(): readonly LeftOutRow[] {
    return this.leftOut;
  }

  /** Loads that failed since start (for metrics). */
  get failures(): number {
    return this.failureCount;
  }

  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    return this.rules.resolve(query);
  }

  check(query: CallerQuery): CallerVerdict {
    return this.gate.check(query);
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
   * snapshot does not reject: the default policy applies until a good one arrives.
   */
  start(): Promise<void> {
    return this.follower.start();
  }

  /** Stops reloading and closes the connections. */
  close(): Promise<void> {
    return this.follower.close();
  }

  /** Reads the stored snapshot and swaps it in when it is newer; resolves whether it did; never rejects. */
  reload(): Promise<boolean> {
    return this.follower.reload();
  }

  private async loadNewer(bus: RulesBus): Promise<boolean> {
    try {
      const load = await bus.loadFullSnapshot();
      if (load === undefined) return false;
      if (this.loaded && load.version <= this.current.version) return false;
      return this.apply(load);
    } catch (error) {
      this.failureCount++;
      this.logger.error(
        { err: error, failures: this.failureCount },
        'control plane snapshot load from Redis failed; the last good one stays',
      );
      return false;
    }
  }

  /** Compiles every part of `load` first, so a part that fails leaves all of the last snapshot in force. */
  private apply(load: SnapshotLoad): boolean {
    const snapshot = new RulesSnapshot(load.rules, load.version, { defaultPolicy: this.options.defaultPolicy });
    const leftOut: LeftOutRow[] = snapshot.invalidRules.map(({ id, reason }) => ({ section: 'rules', id, reason }));
    const invalid = (section: string) => (id: string, reason: string) => leftOut.push({ section, id, reason });
    const rows = <T>(section: string): T[] => (load.sections[section] as T[] | undefined) ?? [];
    const stateRow = load.sections[SYSTEM_STATE_SECTION] as SystemState | undefined;
    const next: Enforced = {
      version: load.version,
      lists: new AccessLists(
        new BlockList(rows<Block>(BLOCKS_SECTION), invalid(BLOCKS_SECTION)),
        new AllowList(rows<AllowlistEntry>(ALLOWLIST_SECTION), invalid(ALLOWLIST_SECTION)),
      ),
      keys: new ApiKeyTable(rows<ApiKeyRow>(API_KEYS_SECTION)),
      state: stateRow === undefined ? 'NORMAL' : compileSystemState(stateRow).state,
    };
    if (!this.rules.swap(snapshot)) return false;
    this.rules.setLoadState(next.state);
    this.enforced = next;
    for (const row of leftOut) {
      this.logger.error(
        { ...row, rulesVersion: load.version },
        `stored ${row.section} row left out: it cannot be enforced`,
      );
    }
    this.leftOut = Object.freeze(leftOut);
    this.logger.debug(`control plane version ${load.version} loaded from Redis (state ${next.state})`);
    return true;
  }
}
