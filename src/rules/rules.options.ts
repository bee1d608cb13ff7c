import type { DefaultPolicy } from './rules-snapshot.js';

/** Options of `RulesModule.forRoot` / `forRootAsync`. */
export interface RulesModuleOptions {
  /** What applies when no rule and no `@RateLimit()` does: the service's `DEFAULT_LIMIT` rule. */
  defaultPolicy: DefaultPolicy | undefined;
  /** How often `rules_version` is read to catch writes made on other nodes (ms, default 5000). */
  refreshIntervalMs?: number;
}

/** `refreshIntervalMs` when none is given. */
export const DEFAULT_RULES_REFRESH_INTERVAL_MS = 5_000;
