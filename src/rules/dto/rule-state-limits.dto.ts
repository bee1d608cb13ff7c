import { LimitsField } from './rule-fields.js';
import { RuleLimitDto } from './rule-limit.dto.js';

/**
 * A rule's limits per load state, each replacing `limits` while the fleet is in that state.
 *
 * @example
 * { "NORMAL": [{ "limit": 10, "windowMs": 60000, "burst": 20 }], "DEGRADED": [{ "limit": 2, "windowMs": 60000 }] }
 */
export class RuleStateLimitsDto {
  @LimitsField(false, RuleLimitDto, { description: 'While the fleet is NORMAL' })
  NORMAL?: RuleLimitDto[];

  @LimitsField(false, RuleLimitDto, { description: 'While the fleet is DEGRADED' })
  DEGRADED?: RuleLimitDto[];
}
