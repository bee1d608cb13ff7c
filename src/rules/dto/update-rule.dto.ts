import { ALGORITHMS, type Algorithm } from '../../limiter/algorithms.js';
import { ApiProperty } from '@nestjs/swagger';
import {
  AlgorithmField,
  BooleanField,
  BoundedString,
  LimitsField,
  MatchField,
  Priority,
  RuleName,
} from './rule-fields.js';
import { MAX_DESCRIPTION_LENGTH } from '../rule.js';
import { RuleLimitDto } from './rule-limit.dto.js';
import { RuleMatchDto } from './rule-match.dto.js';

/**
 * The body of `PATCH /v1/rules/:id`, validated by `validateRuleBody(body, 'update')`: the fields of
 * `CreateRuleDto`, all optional, with the same checks. `match` and `limits` replace the old ones whole.
 *
 * @example
 * { "limits": [{ "limit": 20, "windowMs": 1000 }], "shadow": false }
 */
export class UpdateRuleDto {
  @RuleName(false)
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', required: false })
  name?: string;

  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  @ApiProperty({ maxLength: MAX_DESCRIPTION_LENGTH, required: false })
  description?: string;

  @MatchField(false, RuleMatchDto)
  @ApiProperty({ type: () => RuleMatchDto, required: false })
  match?: RuleMatchDto;

  @AlgorithmField()
  @ApiProperty({ enum: [...ALGORITHMS], default: 'sliding_window', required: false })
  algorithm?: Algorithm;

  @LimitsField(false, RuleLimitDto)
  @ApiProperty({
    type: () => [RuleLimitDto],
    minItems: 1,
    maxItems: 5,
    description: 'Enforced atomically; distinct windows',
    required: false,
  })
  limits?: RuleLimitDto[];

  @BooleanField()
  @ApiProperty({ default: true, required: false })
  enabled?: boolean;

  @BooleanField()
  @ApiProperty({ default: false, required: false, description: 'Decide and count, never deny' })
  shadow?: boolean;

  @Priority()
  @ApiProperty({
    type: 'integer',
    default: 0,
    required: false,
    description: 'Breaks ties between equally specific rules',
  })
  priority?: number;

  @BooleanField()
  @ApiProperty({
    default: false,
    required: false,
    description: 'One budget per matched resource instead of one per rule',
  })
  perResource?: boolean;
}
