import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { BLOCK_TYPES, type BlockType } from '../access-lists.js';
import { AccessValue } from './access-value.decorator.js';

export const MIN_BLOCK_MS = 1_000;
export const MAX_BLOCK_MS = 365 * 24 * 3_600_000;
const DURATION = `must be an integer from ${MIN_BLOCK_MS} to ${MAX_BLOCK_MS} (ms)`;
const REASON = 'must be a string of 1 to 500 characters without control characters';
const PUBLIC_REASON = 'must be a string of 1 to 200 characters without control characters';
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
const present = (_: object, value: unknown) => value !== undefined;

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
  @IsDefined({ message: 'is required' })
  @IsString({ message: REASON })
  @Length(1, 500, { message: REASON })
  @Matches(NO_CONTROL_CHARACTERS, { message: REASON })
  @ApiProperty({ maxLength: 500, example: 'scraping, ticket 4411' })
  reason!: string;

  /** Told to the blocked caller; without it the caller reads a generic message. */
  @ValidateIf(present)
  @IsString({ message: PUBLIC_REASON })
  @Length(1, 200, { message: PUBLIC_REASON })
  @Matches(NO_CONTROL_CHARACTERS, { message: PUBLIC_REASON })
  @ApiProperty({ maxLength: 200, required: false, example: 'Too many requests from your network' })
  publicReason?: string;
}
