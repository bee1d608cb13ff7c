import type { Algorithm } from '../../limiter/algorithms.js';
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
  name?: string;

  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  description?: string;

  @MatchField(false, RuleMatchDto)
  match?: RuleMatchDto;

  @AlgorithmField()
  algorithm?: Algorithm;

  @LimitsField(false, RuleLimitDto)
  limits?: RuleLimitDto[];

  @BooleanField()
  enabled?: boolean;

  @BooleanField()
  shadow?: boolean;

  @Priority()
  priority?: number;

  @BooleanField()
  perResource?: boolean;
}
