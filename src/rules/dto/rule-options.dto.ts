import { ApiProperty } from '@nestjs/swagger';
import { ALGORITHMS, type Algorithm } from '../../limiter/algorithms.js';
import { MAX_DESCRIPTION_LENGTH } from '../rule.js';
import { AlgorithmField, BooleanField, BoundedString, Priority } from './rule-fields.js';

/**
 * The rule fields that are optional both on create and on update, with the same checks; the DTOs
 * of POST and PATCH extend it (class-validator and swagger both inherit a parent's decorators).
 */
export abstract class RuleOptionsDto {
  @BoundedString(false, 0, MAX_DESCRIPTION_LENGTH)
  @ApiProperty({ maxLength: MAX_DESCRIPTION_LENGTH, required: false })
  description?: string;

  @AlgorithmField()
  @ApiProperty({ enum: [...ALGORITHMS], default: 'sliding_window', required: false })
  algorithm?: Algorithm;

  @BooleanField()
  @ApiProperty({ default: true, required: false })
  enabled?: boolean;

  @BooleanField()
  @ApiProperty({ default: false, required: false, description: 'Decide and count, never deny' })
  shadow?: boolean;

  @Priority()
  @ApiProperty({
    type: 'integer',
    default: 0,
    required: false,
    description: 'Breaks ties between equally specific rules',
  })
  priority?: number;

  @BooleanField()
  @ApiProperty({
    default: false,
    required: false,
    description: 'One budget per matched resource instead of one per rule',
  })
  perResource?: boolean;
}
