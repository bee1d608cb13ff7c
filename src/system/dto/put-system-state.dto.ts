import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn } from 'class-validator';
import { PlainText } from '../../http/dto-fields.js';
import { LOAD_STATES, type LoadState } from '../system-state.js';

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

  @PlainText(1, 500)
  @ApiProperty({ maxLength: 500, required: false })
  reason?: string;
}
