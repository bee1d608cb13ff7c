import { ApiProperty } from '@nestjs/swagger';
import { LOAD_STATES, type LoadState } from '../../rules/load-state.js';

/** `GET /v1/admin/system/state`'s answer. */
export class SystemStateResponse {
  @ApiProperty({ enum: LOAD_STATES })
  readonly state!: LoadState;

  @ApiProperty({ type: 'string', nullable: true })
  readonly reason!: string | null;

  /** The admin actor, or `auto` for a switch made by the load signal. */
  @ApiProperty({ description: 'The admin actor, or auto for a switch made by the load signal' })
  readonly changedBy!: string;

  @ApiProperty({ format: 'date-time' })
  readonly changedAt!: string;
}

/** `PUT /v1/admin/system/state`'s answer: the state and the rules version that carries it. */
export class SystemStateWriteResponse extends SystemStateResponse {
  @ApiProperty({ type: 'integer', description: 'The cluster-wide rules version the write produced' })
  readonly rulesVersion!: number;
}
