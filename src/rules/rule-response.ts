import type { Algorithm, LimitSpec } from '../limiter/algorithms.js';
import type { Rule } from '../db/index.js';
import type { CountOnly } from '../limiter/rate-limit.options.js';
import type { RuleMatch, RulePenalty, RuleStateLimits, StoredRule } from './rule.js';

/**
 * A rule as the admin API shows it (and as audit rows keep it): the body with every default
 * applied, plus `id`, `version` and the ISO timestamps. `description` is left out when unset.
 */
export interface RuleResponse {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly match: RuleMatch;
  readonly algorithm: Algorithm;
  readonly limits: readonly LimitSpec[];
  readonly enabled: boolean;
  readonly shadow: boolean;
  readonly priority: number;
  readonly perResource: boolean;
  /**
   * Present when the penalty is a fixed block (`penalty` has only `blockDurationMs`): where a body
   * sends the short spelling, the answer has it too. Sending it back beside an equal `penalty` is
   * accepted.
   */
  readonly blockDurationMs?: number;
  /** Present when the rule has one. */
  readonly penalty?: RulePenalty;
  readonly stateLimits?: RuleStateLimits;
  readonly countOnly?: CountOnly;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The answer to a write: the rule and the cluster-wide rules version the write produced. */
export type RuleWriteResponse = RuleResponse & { readonly rulesVersion: number };

/** One audit row of `GET /v1/admin/rules/:id/history`. */
export interface RuleHistoryEntry {
  /** The rule's own version after the write (before it, for a delete). */
  readonly version: number;
  readonly action: RuleAction;
  /** The admin token's name. */
  readonly actor: string;
  readonly at: string;
  readonly rulesVersion: number;
  readonly before: RuleResponse | null;
  readonly after: RuleResponse | null;
}

/** What an audit row records. */
export type RuleAction = 'create' | 'update' | 'delete' | 'rollback';

/**
 * A row as `StoredRule`. The JSON columns are trusted to hold what the API wrote: `RulesSnapshot`
 * validates every rule again before using it.
 */
export function toStoredRule(row: Rule): StoredRule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    match: row.match as RuleMatch,
    algorithm: row.algorithm as Algorithm,
    limits: row.limits as unknown as LimitSpec[],
    enabled: row.enabled,
    shadow: row.shadow,
    priority: row.priority,
    perResource: row.perResource,
    penalty: row.penalty as RulePenalty | null,
    stateLimits: row.stateLimits as RuleStateLimits | null,
    countOnly: row.countOnly as CountOnly | null,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** A row as the API shows it. */
export function toRuleResponse(row: Rule): RuleResponse {
  return {
    id: row.id,
    name: row.name,
    ...(row.description === null ? {} : { description: row.description }),
    match: row.match as RuleMatch,
    algorithm: row.algorithm as Algorithm,
    limits: row.limits as unknown as LimitSpec[],
    enabled: row.enabled,
    shadow: row.shadow,
    priority: row.priority,
    perResource: row.perResource,
    ...penaltyFields(row.penalty as RulePenalty | null),
    ...(row.stateLimits === null ? {} : { stateLimits: row.stateLimits as RuleStateLimits }),
    ...(row.countOnly === null ? {} : { countOnly: row.countOnly as CountOnly }),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The penalty as shown: `penalty`, and `blockDurationMs` beside it when that is all it has. */
function penaltyFields(penalty: RulePenalty | null): Pick<RuleResponse, 'blockDurationMs' | 'penalty'> {
  if (penalty === null) return {};
  const fixed = Object.keys(penalty).every((field) => field === 'blockDurationMs');
  return fixed ? { blockDurationMs: penalty.blockDurationMs, penalty } : { penalty };
}
