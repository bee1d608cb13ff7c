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
 * The body of `POST /v1/rules`, validated by `validateRuleBody(body, 'create')`.
 *
 * @example
 * { "name": "search-free", "match": { "resource": "GET /v1/search*", "tier": "free" },
 *   "limits": [{ "limit": 10, "windowMs": 1000 }], "shadow": true }
 */
export class CreateRuleDto {
  @RuleName(true)
  name!: string;

  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  description?: string;

  @MatchField(true, RuleMatchDto)
  match!: RuleMatchDto;

  @AlgorithmField()
  algorithm?: Algorithm;

  @LimitsField(true, RuleLimitDto)
  limits!: RuleLimitDto[];

  @BooleanField()
  enabled?: boolean;

  @BooleanField()
  shadow?: boolean;

  @Priority()
  priority?: number;

  @BooleanField()
  perResource?: boolean;
}
