import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { RulesBus } from './rules-bus.js';
import { RULES_BUS } from './rules.constants.js';
import { RulesRefresher } from './rules.refresher.js';

/**
 * Catches up as soon as another node announces a newer version on the rules channel (from the
 * snapshot it stored in Redis, or from Postgres: `RulesRefresher.catchUp()`); after a Redis reconnect (messages sent meanwhile are lost) it checks the version at once
 * instead of waiting for the periodic check. Without Redis it does nothing.
 */
@Injectable()
export class RulesSubscriber implements OnModuleInit {
  private readonly logger = new Logger(RulesSubscriber.name);

  constructor(
    @Inject(RULES_BUS) private readonly bus: RulesBus | null,
    @Inject(RulesRefresher) private readonly refresher: RulesRefresher,
  ) {}

  /** Resolves once subscribed, so a node that is up hears every announcement that follows. */
  async onModuleInit(): Promise<void> {
    if (this.bus === null) return;
    await this.bus.subscribe(
      {
        version: (version) => void this.refresher.catchUp(version),
        resubscribed: () => void this.refresher.check(),
      },
      this.logger,
    );
  }
}
