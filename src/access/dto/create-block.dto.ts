import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PlainText } from '../../http/dto-fields.js';
import { BLOCK_TYPES, type BlockType } from '../access-lists.js';
import { AccessValue } from './access-value.decorator.js';

export const MIN_BLOCK_MS = 1_000;
export const MAX_BLOCK_MS = 365 * 24 * 3_600_000;
const DURATION = `must be an integer from ${MIN_BLOCK_MS} to ${MAX_BLOCK_MS} (ms)`;

/**
 * The body of `POST /v1/admin/blocks`.
 *
 * @example
 * { "type": "ip", "value": "203.0.113.0/24", "durationMs": 3600000, "reason": "scraping, ticket 4411",
 *   "publicReason": "Too many requests from your network" }
 */
export class CreateBlockDto {
  @IsDefined({ message: 'is required' })
  @IsIn(BLOCK_TYPES, { message: `must be one of ${BLOCK_TYPES.join(', ')}` })
  @ApiProperty({ enum: BLOCK_TYPES })
  type!: BlockType;

  /** A client id, an API key's id, or an address or CIDR range. */
  @IsDefined({ message: 'is required' })
  @AccessValue(BLOCK_TYPES)
  @ApiProperty({ example: '203.0.113.0/24' })
  value!: string;

  @IsDefined({ message: 'is required' })
  @IsInt({ message: DURATION })
  @Min(MIN_BLOCK_MS, { message: DURATION })
  @Max(MAX_BLOCK_MS, { message: DURATION })
  @ApiProperty({ type: 'integer', minimum: MIN_BLOCK_MS, maximum: MAX_BLOCK_MS, example: 3_600_000 })
  durationMs!: number;

  /** For operators: why (kept in the block and the audit log). */
  @PlainText(1, 500, { required: true })
  @ApiProperty({ maxLength: 500, example: 'scraping, ticket 4411' })
  reason!: string;

  /** Told to the blocked caller; without it the caller reads a generic message. */
  @PlainText(1, 200)
  @ApiProperty({ maxLength: 200, required: false, example: 'Too many requests from your network' })
  publicReason?: string;

  /**
   * Needed to block an address range wider than BLOCK_MIN_IPV4_PREFIX / BLOCK_MIN_IPV6_PREFIX
   * (`0.0.0.0/0` refuses everyone); such a block's audit entry says it was forced.
   */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  @ApiProperty({ required: false, description: 'Required to block a range wider than the configured prefix' })
  force?: boolean;
}
