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
 * The body of `POST /v1/admin/rules`, validated by `validateRuleBody(body, 'create')`.
 *
 * @example
 * { "name": "search-free", "match": { "resource": "GET /v1/search*", "tier": "free" },
 *   "limits": [{ "limit": 10, "windowMs": 1000 }], "shadow": true }
 */
export class CreateRuleDto extends RuleOptionsDto {
  @RuleName(true)
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })
  name!: string;

  @MatchField(true, RuleMatchDto)
  @ApiProperty({ type: () => RuleMatchDto })
  match!: RuleMatchDto;

  @LimitsField(true, RuleLimitDto)
  @ApiProperty({
    type: () => [RuleLimitDto],
    minItems: 1,
    maxItems: 5,
    description: 'Enforced atomically; distinct windows',
  })
  limits!: RuleLimitDto[];

  /** Once over a limit, stay refused this long (ms): `penalty: { blockDurationMs }` in short. */
  @BlockDurationField(false)
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PENALTY_MS,
    required: false,
    description: 'Once over a limit, stay refused this long (ms); shorthand for penalty.blockDurationMs',
  })
  blockDurationMs?: number;

  /** A progressive penalty; not with `blockDurationMs`, nor with the concurrency algorithm. */
  @PenaltyField(false, RulePenaltyDto)
  @ApiProperty({ type: () => RulePenaltyDto, required: false })
  penalty?: RulePenaltyDto;

  /**
   * Limits per load state (NORMAL, DEGRADED), replacing `limits` while the fleet is in that state.
   */
  @StateLimitsField(false, RuleStateLimitsDto)
  @ApiProperty({ type: () => RuleStateLimitsDto, required: false })
  stateLimits?: RuleStateLimitsDto;

  /** Count only failed (status >= 400) or only succeeded responses, where the guard sees them. */
  @CountOnlyField(false)
  @ApiProperty({ enum: ['failed', 'succeeded'], required: false })
  countOnly?: CountOnly;
}
