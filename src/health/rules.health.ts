import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RulesRefresher } from '../rules/index.js';

/**
 * Up once this node enforces a snapshot of the stored rules (with its version); down before the
 * first load succeeds, since until then the node would answer from the default rule alone, and down
 * again once the node has been behind the stored rules version for longer than its bound
 * (`RULES_STALE_AFTER_MS`): every change made meanwhile is acknowledged but not enforced here. A
 * failed reload alone keeps the node up: it goes on enforcing its last good snapshot (the failures
 * are counted in the detail and in `floodgate_rules_reloads_total`). Stored rows the snapshot
 * leaves out because they cannot be enforced are named in `invalid`; the rest of the set is in
 * force, so they do not take the node down. Reads memory only, so it needs no timeout of its own.
 */
@Injectable()
export class RulesHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(RulesRefresher) private readonly rules: RulesRefresher,
  ) {}

  isHealthy(key = 'rules', now = Date.now()): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const invalid = this.rules.invalid.length === 0 ? {} : { invalid: this.rules.invalid };
    if (!this.rules.loaded) {
      return indicator.down({ message: 'no rules snapshot loaded yet', failures: this.rules.failures });
    }
    const stale = this.rules.staleness(now);
    if (stale !== undefined) {
      return indicator.down({
        message: `rules stale: enforcing version ${stale.version} while ${stale.storedVersion} is stored, for ${stale.behindForMs} ms`,
        ...stale,
        failures: this.rules.failures,
        ...invalid,
      });
    }
    return indicator.up({ version: this.rules.version, ...invalid });
  }
}
