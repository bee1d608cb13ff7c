import { ApiProperty } from '@nestjs/swagger';
import { ALGORITHMS, type Algorithm } from '../limiter/algorithms.js';
import type { DecisionOutcome } from '../limiter/decision.js';

// Classes rather than interfaces so that the OpenAPI document can describe the answer.

/** One rule that applies to the explained check. */
export class ExplainedRuleDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'Position in precedence order, 1 = the winner' })
  rank!: number;

  @ApiProperty({ type: [String], enum: ['clientId', 'tier', 'resource'] })
  selectors!: string[];

  @ApiProperty({ enum: ['exact', 'glob'], nullable: true, type: String })
  resourceMatch!: 'exact' | 'glob' | null;

  @ApiProperty()
  priority!: number;

  @ApiProperty({ example: 'tier+resource; resource glob with 8 literal characters; priority 0; created ...' })
  specificity!: string;
}

/** The rule that decides, and why it beats the next one. */
export class ExplainWinnerDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: 'an exact resource over the glob of "search-all"' })
  reason!: string;
}

/** One limit of the policy. */
export class ExplainLimitDto {
  @ApiProperty()
  limit!: number;

  @ApiProperty()
  windowMs!: number;

  @ApiProperty({ required: false })
  burst?: number;
}

/** The policy the check would be decided by. */
export class ExplainPolicyDto {
  @ApiProperty({ description: 'The counters namespace: the rule name (`<name>|<resource>` for perResource rules)' })
  name!: string;

  @ApiProperty({ enum: [...ALGORITHMS] })
  algorithm!: Algorithm;

  @ApiProperty({ type: [ExplainLimitDto] })
  limits!: ExplainLimitDto[];

  @ApiProperty()
  shadow!: boolean;

  @ApiProperty({ enum: ['rule', 'default'], description: 'An admin rule, or the default rule (DEFAULT_LIMIT)' })
  source!: 'rule' | 'default';
}

/** What `/v1/check` would answer right now for the same body (nothing is consumed to find out). */
export class ExplainDecisionDto {
  @ApiProperty({ description: 'Whether `cost` units would be granted now' })
  allowed!: boolean;

  @ApiProperty({
    enum: ['allowed', 'limited', 'shadow_limited', 'failed_open', 'failed_closed'],
    description: 'shadow_limited: over the limit, let through because the rule is in shadow mode',
  })
  outcome!: DecisionOutcome;

  @ApiProperty({ type: Number, nullable: true, description: 'null: not limited' })
  limit!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Units left now, before this check' })
  remaining!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Epoch ms when the quota is whole again' })
  resetAt!: number | null;
}

/** The check that was explained, with defaults applied. */
export class ExplainQueryDto {
  @ApiProperty()
  clientId!: string;

  @ApiProperty()
  resource!: string;

  @ApiProperty({ required: false })
  tier?: string;

  @ApiProperty()
  cost!: number;
}

/** The answer of `POST /v1/admin/explain`. */
export class ExplainResponseDto {
  @ApiProperty({ type: ExplainQueryDto })
  query!: ExplainQueryDto;

  @ApiProperty({ description: 'The rules version this node enforces' })
  rulesVersion!: number;

  @ApiProperty({ enum: ['NORMAL', 'DEGRADED'], description: "The fleet's load state the rules are resolved in" })
  loadState!: 'NORMAL' | 'DEGRADED';

  @ApiProperty({ type: [ExplainedRuleDto], description: 'Every enabled rule that applies, winner first' })
  matched!: ExplainedRuleDto[];

  @ApiProperty({ type: ExplainWinnerDto, nullable: true, description: 'null: no rule applies' })
  winner!: ExplainWinnerDto | null;

  @ApiProperty({ type: ExplainPolicyDto, nullable: true, description: 'null: nothing limits this check' })
  policy!: ExplainPolicyDto | null;

  @ApiProperty({ type: ExplainDecisionDto })
  decision!: ExplainDecisionDto;
}
