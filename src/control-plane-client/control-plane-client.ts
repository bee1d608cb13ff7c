import { Logger } from '@nestjs/common';
import { AccessGate } from '../access/access-gate.js';
import { AccessLists, ALLOWLIST_SECTION, AllowList, BlockList, BLOCKS_SECTION } from '../access/access-lists.js';
import { API_KEYS_SECTION, type ApiKeyRow, ApiKeyTable } from '../api-keys/api-key-table.js';
import type { AllowlistEntry, Block, SystemState } from '../db/index.js';
import type { CallerGate, CallerQuery, CallerVerdict } from '../limiter/caller-gate.js';
import type { LoadState } from '../rules/load-state.js';
import type { RulesBus } from '../rules/rules-bus.js';
import { RulesSnapshot } from '../rules/rules-snapshot.js';
import type { SnapshotLoad } from '../rules/rules.repository.js';
import { SnapshotFollower, type SnapshotFollowerOptions } from '../rules/snapshot-follower.js';
import { compileSystemState, SYSTEM_STATE_SECTION } from '../system/system-state.js';

/** Options of `ControlPlaneClient`: where the service nodes publish the snapshot, and what applies without it. */
export interface ControlPlaneClientOptions extends SnapshotFollowerOptions {
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
  readonly lists: AccessLists;
  readonly keys: ApiKeyTable;
  readonly state: LoadState;
}

const NOTHING: Enforced = Object.freeze({
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
export class ControlPlaneClient extends SnapshotFollower implements CallerGate {
  protected readonly loadFailedMessage = 'control plane snapshot load from Redis failed; the last good one stays';
  private readonly gate: AccessGate;
  private enforced: Enforced = NOTHING;
  private leftOut: readonly LeftOutRow[] = [];

  constructor(options: ControlPlaneClientOptions) {
    super(options, new Logger(ControlPlaneClient.name));
    this.gate = new AccessGate(
      { lists: () => this.enforced.lists, keys: () => this.enforced.keys },
      { blockedStatus: options.blockedStatus },
    );
  }

  /** The fleet's load state in force. */
  get loadState(): LoadState {
    return this.enforced.state;
  }

  /** The blocks and the allow list in force. */
  get accessLists(): AccessLists {
    return this.enforced.lists;
  }

  /** The stored rows the snapshot in force leaves out. */
  get invalid(): readonly LeftOutRow[] {
    return this.leftOut;
  }

  check(query: CallerQuery): CallerVerdict {
    return this.gate.check(query);
  }

  protected async load(bus: RulesBus): Promise<boolean> {
    const load = await bus.loadFullSnapshot();
    if (load === undefined) return false;
    if (this.loaded && load.version <= this.current.version) return false;
    return this.apply(load);
  }

  /** Compiles every part of `load` first, so a part that fails leaves all of the last snapshot in force. */
  private apply(load: SnapshotLoad): boolean {
    const snapshot = new RulesSnapshot(load.rules, load.version, { defaultPolicy: this.options.defaultPolicy });
    const leftOut: LeftOutRow[] = snapshot.invalidRules.map(({ id, reason }) => ({ section: 'rules', id, reason }));
    const invalid = (section: string) => (id: string, reason: string) => leftOut.push({ section, id, reason });
    const rows = <T>(section: string): T[] => (load.sections[section] as T[] | undefined) ?? [];
    const stateRow = load.sections[SYSTEM_STATE_SECTION] as SystemState | undefined;
    const next: Enforced = {
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
