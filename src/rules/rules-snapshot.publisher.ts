import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RulesBus } from './rules-bus.js';
import { RULES_BUS } from './rules.constants.js';
import { RulesRefresher } from './rules.refresher.js';
import type { SnapshotLoad } from './rules.repository.js';

/**
 * Passes every snapshot this node loads from Postgres on to the other nodes: stores it under the
 * snapshot key unless a newer one is there (library nodes read only Redis; service nodes catching up
 * with an announcement read it instead of Postgres), and when it replaced the stored one announces
 * the version, so a node that heard an announcement before the key was written reads it now.
 * Without Redis it does nothing.
 */
@Injectable()
export class RulesSnapshotPublisher {
  private readonly logger = new Logger(RulesSnapshotPublisher.name);

  constructor(
    @Inject(RULES_BUS) private readonly bus: RulesBus | null,
    @Inject(RulesRefresher) refresher: RulesRefresher,
  ) {
    // Registered at construction, before the refresher's first load in its onModuleInit.
    if (bus !== null) refresher.onLoad((load) => this.publish(load));
  }

  /** Stores and announces `load`; resolves whether it replaced the stored set; never rejects. */
  async publish(load: SnapshotLoad): Promise<boolean> {
    if (this.bus === null) return false;
    try {
      if (!(await this.bus.storeSnapshot(load))) return false;
      await this.bus.publish(load.version);
      return true;
    } catch (error) {
      // Library nodes keep the last set and catch up on the next load that gets through; service
      // nodes hear the outbox's announcement and read Postgres.
      this.logger.warn({ err: error, version: load.version }, 'rules snapshot not stored in Redis for the other nodes');
      return false;
    }
  }
}
