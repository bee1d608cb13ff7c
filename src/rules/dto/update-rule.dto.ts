import { ApiProperty } from '@nestjs/swagger';
import { MAX_PENALTY_MS } from '../../limiter/policy/penalty.js';
import type { CountOnly } from '../../limiter/rate-limit.options.js';
import {
  BlockDurationField,
  CountOnlyField,
  LimitsField,
  MatchField,
  PenaltyField,
  RuleName,
  StateLimitsField,
} from './rule-fields.js';
import { RuleLimitDto } from './rule-limit.dto.js';
import { RuleMatchDto } from './rule-match.dto.js';
import { RuleOptionsDto } from './rule-options.dto.js';
import { RulePenaltyDto } from './rule-penalty.dto.js';
import { RuleStateLimitsDto } from './rule-state-limits.dto.js';

/**
 * The body of `PATCH /v1/admin/rules/:id`, validated by `validateRuleBody(body, 'update')`: the
 * fields of `CreateRuleDto`, all optional, with the same checks. `match` and `limits` replace the
 * old ones whole.
 *
 * @example
 * { "limits": [{ "limit": 20, "windowMs": 1000 }], "shadow": false }
 */
export class UpdateRuleDto extends RuleOptionsDto {
  @RuleName(false)
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', required: false })
  name?: string;

  @MatchField(false, RuleMatchDto)
  @ApiProperty({ type: () => RuleMatchDto, required: false })
  match?: RuleMatchDto;

  @LimitsField(false, RuleLimitDto)
  @ApiProperty({
    type: () => [RuleLimitDto],
    minItems: 1,
    maxItems: 5,
    description: 'Enforced atomically; distinct windows',
    required: false,
  })
  limits?: RuleLimitDto[];

  /**
   * Once over a limit, stay refused this long (ms): `penalty: { blockDurationMs }` in short. `null`
   * removes the penalty.
   */
  @BlockDurationField(true)
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PENALTY_MS,
    required: false,
    nullable: true,
    description: 'Once over a limit, stay refused this long (ms); shorthand for penalty.blockDurationMs',
  })
  blockDurationMs?: number | null;

  /**
   * A progressive penalty; not with `blockDurationMs`, nor with the concurrency algorithm. `null`
   * removes the penalty.
   */
  @PenaltyField(true, RulePenaltyDto)
  @ApiProperty({ type: () => RulePenaltyDto, required: false, nullable: true })
  penalty?: RulePenaltyDto | null;

  /**
   * Limits per load state (NORMAL, DEGRADED), replacing `limits` while the fleet is in that state. `null` removes them.
   */
  @StateLimitsField(true, RuleStateLimitsDto)
  @ApiProperty({ type: () => RuleStateLimitsDto, required: false, nullable: true })
  stateLimits?: RuleStateLimitsDto | null;

  /** Count only failed (status >= 400) or only succeeded responses, where the guard sees them. `null`: every request. */
  @CountOnlyField(true)
  @ApiProperty({ enum: ['failed', 'succeeded'], required: false, nullable: true })
  countOnly?: CountOnly | null;
}
