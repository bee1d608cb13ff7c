import type { DefaultPolicy } from './rules-snapshot.js';

/** Options of `RulesModule.forRoot` / `forRootAsync`. */
export interface RulesModuleOptions {
  /** What applies when no rule and no `@RateLimit()` does: the service's `DEFAULT_LIMIT` rule. */
  defaultPolicy: DefaultPolicy | undefined;
  /** How often `rules_version` is read to catch writes made on other nodes (ms, default 5000). */
  refreshIntervalMs?: number;
  /**
   * How long this node may be behind the stored rules version (its loads failing) before the rules
   * health check reports it stale (ms, default 15000).
   */
  staleAfterMs?: number;
  /**
   * `REDIS_URL`: writes are announced on a pub/sub channel so other nodes catch up at once, from the
   * snapshot stored beside it (which library nodes read too). Unset (one node): the local reload suffices.
   */
  redisUrl?: string | undefined;
  /** Pub/sub channel of rules versions (default `floodgate:rules`); its snapshot key is `<channel>:snapshot`. */
  rulesChannel?: string;
  /** How often outbox rows that were not announced (Redis was down) are announced again (ms, default 2000). */
  outboxIntervalMs?: number;
}

/** `refreshIntervalMs` when none is given. */
export const DEFAULT_RULES_REFRESH_INTERVAL_MS = 5_000;

/** `staleAfterMs` when none is given: three periodic checks. */
export const DEFAULT_RULES_STALE_AFTER_MS = 15_000;

/** `outboxIntervalMs` when none is given. */
export const DEFAULT_OUTBOX_INTERVAL_MS = 2_000;
