import { ApiProperty } from '@nestjs/swagger';
import { LimitsField, MatchField, RuleName } from './rule-fields.js';
import { RuleLimitDto } from './rule-limit.dto.js';
import { RuleMatchDto } from './rule-match.dto.js';
import { RuleOptionsDto } from './rule-options.dto.js';

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
}
