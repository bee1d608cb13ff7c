import { Inject, Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RulesRefresher } from '../rules/index.js';

/**
 * Up once this node enforces a snapshot of the stored rules (with its version); down before the
 * first load succeeds, since until then the node would answer from the default rule alone. A
 * failed reload later keeps the node up: it goes on enforcing its last good snapshot (the failures
 * are counted in the detail and in `floodgate_rules_reloads_total`). Reads memory only, so it needs
 * no timeout of its own.
 */
@Injectable()
export class RulesHealthIndicator {
  constructor(
    @Inject(HealthIndicatorService) private readonly health: HealthIndicatorService,
    @Inject(RulesRefresher) private readonly rules: RulesRefresher,
  ) {}

  isHealthy(key = 'rules'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    if (!this.rules.loaded) {
      return indicator.down({ message: 'no rules snapshot loaded yet', failures: this.rules.failures });
    }
    return indicator.up({ version: this.rules.version });
  }
}
