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

/** What the document says of the fields create and update share (their checks differ in presence only). */
export const RULE_FIELD_DOCS = {
  limits: { description: 'Enforced atomically; distinct windows' },
  blockDurationMs: {
    description: 'Once over a limit, stay refused this long (ms); shorthand for penalty.blockDurationMs',
  },
  penalty: { description: 'A progressive penalty; not with blockDurationMs, nor with the concurrency algorithm' },
  stateLimits: {
    description: 'Limits per load state (NORMAL, DEGRADED), replacing limits while the fleet is in that state',
  },
  countOnly: {
    description: 'Count only failed (status >= 400) or only succeeded responses, where the guard sees them',
  },
} as const;

/**
 * The body of `POST /v1/admin/rules`, validated by `validateRuleBody(body, 'create')`.
 *
 * @example
 * { "name": "search-free", "match": { "resource": "GET /v1/search*", "tier": "free" },
 *   "limits": [{ "limit": 10, "windowMs": 1000 }], "shadow": true }
 */
export class CreateRuleDto extends RuleOptionsDto {
  @RuleName(true)
  name!: string;

  @MatchField(true, RuleMatchDto)
  match!: RuleMatchDto;

  @LimitsField(true, RuleLimitDto, RULE_FIELD_DOCS.limits)
  limits!: RuleLimitDto[];

  /** Once over a limit, stay refused this long (ms): `penalty: { blockDurationMs }` in short. */
  @BlockDurationField(false, RULE_FIELD_DOCS.blockDurationMs)
  blockDurationMs?: number;

  /** A progressive penalty; not with `blockDurationMs`, nor with the concurrency algorithm. */
  @PenaltyField(false, RulePenaltyDto, RULE_FIELD_DOCS.penalty)
  penalty?: RulePenaltyDto;

  /** Limits per load state (NORMAL, DEGRADED), replacing `limits` while the fleet is in that state. */
  @StateLimitsField(false, RuleStateLimitsDto, RULE_FIELD_DOCS.stateLimits)
  stateLimits?: RuleStateLimitsDto;

  /** Count only failed (status >= 400) or only succeeded responses, where the guard sees them. */
  @CountOnlyField(false, RULE_FIELD_DOCS.countOnly)
  countOnly?: CountOnly;
}
