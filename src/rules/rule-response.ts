import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Algorithm, ALGORITHMS, type LimitSpec } from '../limiter/algorithms.js';
import type { Rule } from '../db/index.js';
import type { CountOnly } from '../limiter/rate-limit.options.js';
import { COUNT_ONLY } from './dto/rule-fields.js';
import { RuleLimitDto } from './dto/rule-limit.dto.js';
import { RuleMatchDto } from './dto/rule-match.dto.js';
import { RulePenaltyDto } from './dto/rule-penalty.dto.js';
import { RuleStateLimitsDto } from './dto/rule-state-limits.dto.js';
import type { RuleMatch, RulePenalty, RuleStateLimits, StoredRule } from './rule.js';

/**
 * A rule as the admin API shows it (and as audit rows keep it): the body with every default
 * applied, plus `id`, `version` and the ISO timestamps. `description` is left out when unset. The
 * nested shapes are documented by the DTOs their bodies are validated with.
 */
export class RuleResponse {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;

  @ApiProperty()
  readonly name!: string;

  @ApiPropertyOptional()
  readonly description?: string;

  @ApiProperty({ type: () => RuleMatchDto })
  readonly match!: RuleMatch;

  @ApiProperty({ enum: ALGORITHMS })
  readonly algorithm!: Algorithm;

  @ApiProperty({ type: () => [RuleLimitDto] })
  readonly limits!: readonly LimitSpec[];

  @ApiProperty()
  readonly enabled!: boolean;

  @ApiProperty()
  readonly shadow!: boolean;

  @ApiProperty({ type: 'integer' })
  readonly priority!: number;

  @ApiProperty()
  readonly perResource!: boolean;

  /**
   * Present when the penalty is a fixed block (`penalty` has only `blockDurationMs`): where a body
   * sends the short spelling, the answer has it too. Sending it back beside an equal `penalty` is
   * accepted.
   */
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Present when the penalty is a fixed block: penalty.blockDurationMs',
  })
  readonly blockDurationMs?: number;

  /** Present when the rule has one. */
  @ApiPropertyOptional({ type: () => RulePenaltyDto, description: 'Present when the rule has one' })
  readonly penalty?: RulePenalty;

  @ApiPropertyOptional({ type: () => RuleStateLimitsDto })
  readonly stateLimits?: RuleStateLimits;

  @ApiPropertyOptional({ enum: COUNT_ONLY })
  readonly countOnly?: CountOnly;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Per rule; the ETag' })
  readonly version!: number;

  @ApiProperty({ format: 'date-time' })
  readonly createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly updatedAt!: string;
}

/** The answer to a write: the rule and the cluster-wide rules version the write produced. */
export class RuleWriteResponse extends RuleResponse {
  @ApiProperty({ type: 'integer', description: 'The cluster-wide rules version the write produced' })
  readonly rulesVersion!: number;
}

/** A page of rules and how many match the filters in all. */
export class RuleList {
  @ApiProperty({ type: () => [RuleResponse] })
  readonly items!: readonly RuleResponse[];

  @ApiProperty({ type: 'integer' })
  readonly total!: number;
}

/** `GET /v1/admin/rules/version`'s answer. */
export class RulesVersionResponse {
  @ApiProperty({ type: 'integer', description: 'The cluster-wide rules version' })
  readonly rulesVersion!: number;
}

/** What an audit row records. */
export const RULE_ACTIONS = ['create', 'update', 'delete', 'rollback'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** One audit row of `GET /v1/admin/rules/:id/history`. */
export class RuleHistoryEntry {
  /** The rule's own version after the write (before it, for a delete). */
  @ApiProperty({ type: 'integer', description: "The rule's own version after the write (before it, for a delete)" })
  readonly version!: number;

  @ApiProperty({ enum: RULE_ACTIONS })
  readonly action!: RuleAction;

  /** The admin token's name. */
  @ApiProperty({ description: "The admin token's name" })
  readonly actor!: string;

  @ApiProperty({ format: 'date-time' })
  readonly at!: string;

  @ApiProperty({ type: 'integer' })
  readonly rulesVersion!: number;

  @ApiProperty({ type: () => RuleResponse, nullable: true })
  readonly before!: RuleResponse | null;

  @ApiProperty({ type: () => RuleResponse, nullable: true })
  readonly after!: RuleResponse | null;
}

/** `GET /v1/admin/rules/:id/history`'s answer, oldest first. */
export class RuleHistory {
  @ApiProperty({ type: () => [RuleHistoryEntry] })
  readonly items!: readonly RuleHistoryEntry[];
}

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
