import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { LOAD_STATES, type LoadState } from '../system-state.js';

const REASON = 'must be a string of 1 to 500 characters without control characters';

/**
 * The body of `PUT /v1/admin/system/state`.
 *
 * @example
 * { "state": "DEGRADED", "reason": "database failover in progress" }
 */
export class PutSystemStateDto {
  @IsDefined({ message: 'is required' })
  @IsIn(LOAD_STATES, { message: `must be one of ${LOAD_STATES.join(', ')}` })
  @ApiProperty({ enum: LOAD_STATES })
  state!: LoadState;

  @ValidateIf((_, value) => value !== undefined)
  @IsString({ message: REASON })
  @Length(1, 500, { message: REASON })
  @Matches(/^[^\p{Cc}]*$/u, { message: REASON })
  @ApiProperty({ maxLength: 500, required: false })
  reason?: string;
}
