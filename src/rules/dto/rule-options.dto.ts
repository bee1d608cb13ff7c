import { type Algorithm, DEFAULT_ALGORITHM } from '../../limiter/algorithms.js';
import { MAX_DESCRIPTION_LENGTH } from '../rule.js';
import { AlgorithmField, BooleanField, BoundedString, Priority } from './rule-fields.js';

/**
 * The rule fields that are optional both on create and on update, with the same checks; the DTOs
 * of POST and PATCH extend it (class-validator and swagger both inherit a parent's decorators).
 */
export abstract class RuleOptionsDto {
  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  description?: string;

  @AlgorithmField({ default: DEFAULT_ALGORITHM })
  algorithm?: Algorithm;

  @BooleanField({ default: true })
  enabled?: boolean;

  @BooleanField({ default: false, description: 'Decide and count, never deny' })
  shadow?: boolean;

  @Priority({ default: 0, description: 'Breaks ties between equally specific rules' })
  priority?: number;

  @BooleanField({ default: false, description: 'One budget per matched resource instead of one per rule' })
  perResource?: boolean;
}
