import type { CountOnly } from '../../limiter/rate-limit.options.js';
import { RULE_FIELD_DOCS } from './create-rule.dto.js';
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

const REMOVES = ' (null removes it)';

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
  name?: string;

  @MatchField(false, RuleMatchDto)
  match?: RuleMatchDto;

  @LimitsField(false, RuleLimitDto, RULE_FIELD_DOCS.limits)
  limits?: RuleLimitDto[];

  /** `null` removes the penalty. */
  @BlockDurationField(true, { description: RULE_FIELD_DOCS.blockDurationMs.description + REMOVES })
  blockDurationMs?: number | null;

  /** `null` removes the penalty. */
  @PenaltyField(true, RulePenaltyDto, { description: RULE_FIELD_DOCS.penalty.description + REMOVES })
  penalty?: RulePenaltyDto | null;

  /** `null` removes them. */
  @StateLimitsField(true, RuleStateLimitsDto, { description: RULE_FIELD_DOCS.stateLimits.description + REMOVES })
  stateLimits?: RuleStateLimitsDto | null;

  /** `null`: every request. */
  @CountOnlyField(true, { description: `${RULE_FIELD_DOCS.countOnly.description}; null: every request` })
  countOnly?: CountOnly | null;
}
