import { type Algorithm, DEFAULT_ALGORITHM } from '../../limiter/algorithms.js';
import { MAX_DESCRIPTION_LENGTH } from '../rule.js';
import { AlgorithmField, BooleanField, BoundedString, Priority } from './rule-fields.js';

/** What a rule created without these fields gets: applied by `validateRuleBody`, shown by the document. */
export const RULE_DEFAULTS = {
  algorithm: DEFAULT_ALGORITHM,
  enabled: true,
  shadow: false,
  priority: 0,
  perResource: false,
} as const;

/**
 * The rule fields that are optional both on create and on update, with the same checks; the DTOs
 * of POST and PATCH extend it (class-validator and swagger both inherit a parent's decorators).
 */
export abstract class RuleOptionsDto {
  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  description?: string;

  @AlgorithmField({ default: RULE_DEFAULTS.algorithm })
  algorithm?: Algorithm;

  @BooleanField({ default: RULE_DEFAULTS.enabled })
  enabled?: boolean;

  @BooleanField({ default: RULE_DEFAULTS.shadow, description: 'Decide and count, never deny' })
  shadow?: boolean;

  @Priority({ default: RULE_DEFAULTS.priority, description: 'Breaks ties between equally specific rules' })
  priority?: number;

  @BooleanField({
    default: RULE_DEFAULTS.perResource,
    description: 'One budget per matched resource instead of one per rule',
  })
  perResource?: boolean;
}
