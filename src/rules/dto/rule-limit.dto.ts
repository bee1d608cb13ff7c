import { MAX_RULE_LIMIT, MAX_RULE_WINDOW_MS } from '../rule.js';
import { Integer } from './rule-fields.js';

/**
 * One of a rule's limits: at most `limit` units per `windowMs`.
 *
 * @example
 * { "limit": 100, "windowMs": 60000, "burst": 20 }
 */
export class RuleLimitDto {
  @Integer(true, 0, MAX_RULE_LIMIT)
  limit!: number;

  @Integer(true, 1, MAX_RULE_WINDOW_MS)
  windowMs!: number;

  /** Bucket capacity (`token_bucket`) or tolerance (`gcra`); unset means `limit`. */
  @Integer(false, 0, MAX_RULE_LIMIT, {
    description: 'Bucket capacity (token_bucket) or tolerance (gcra); unset means limit',
  })
  burst?: number;
}
