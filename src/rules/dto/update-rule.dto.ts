import { ApiProperty } from '@nestjs/swagger';
import { LimitsField, MatchField, RuleName } from './rule-fields.js';
import { RuleLimitDto } from './rule-limit.dto.js';
import { RuleMatchDto } from './rule-match.dto.js';
import { RuleOptionsDto } from './rule-options.dto.js';

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
}
