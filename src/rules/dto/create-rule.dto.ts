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
 * The body of `POST /v1/rules`, validated by `validateRuleBody(body, 'create')`.
 *
 * @example
 * { "name": "search-free", "match": { "resource": "GET /v1/search*", "tier": "free" },
 *   "limits": [{ "limit": 10, "windowMs": 1000 }], "shadow": true }
 */
export class CreateRuleDto {
  @RuleName(true)
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' })
  name!: string;

  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  @ApiProperty({ maxLength: MAX_DESCRIPTION_LENGTH, required: false })
  description?: string;

  @MatchField(true, RuleMatchDto)
  @ApiProperty({ type: () => RuleMatchDto })
  match!: RuleMatchDto;

  @AlgorithmField()
  @ApiProperty({ enum: [...ALGORITHMS], default: 'sliding_window', required: false })
  algorithm?: Algorithm;

  @LimitsField(true, RuleLimitDto)
  @ApiProperty({
    type: () => [RuleLimitDto],
    minItems: 1,
    maxItems: 5,
    description: 'Enforced atomically; distinct windows',
  })
  limits!: RuleLimitDto[];

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
