import { IsBoolean, IsDefined, IsOptional } from 'class-validator';
import { Documented, IntegerField, OneOf, PlainText } from '../../http/dto-fields.js';
import { BLOCK_TYPES, type BlockType } from '../access-lists.js';
import { AccessValue } from './access-value.decorator.js';

export const MIN_BLOCK_MS = 1_000;
export const MAX_BLOCK_MS = 365 * 24 * 3_600_000;

/**
 * The body of `POST /v1/admin/blocks`.
 *
 * @example
 * { "type": "ip", "value": "203.0.113.0/24", "durationMs": 3600000, "reason": "scraping, ticket 4411",
 *   "publicReason": "Too many requests from your network" }
 */
export class CreateBlockDto {
  @OneOf(BLOCK_TYPES, { required: true })
  type!: BlockType;

  /** A client id, an API key's id, or an address or CIDR range (checked for the `type` given). */
  @IsDefined({ message: 'is required' })
  @AccessValue(BLOCK_TYPES)
  @Documented(
    { type: 'string' },
    { required: true },
    { description: "A client id, an API key's id, or an address or CIDR range", example: '203.0.113.0/24' },
  )
  value!: string;

  @IntegerField(MIN_BLOCK_MS, MAX_BLOCK_MS, { required: true, unit: 'ms', example: 3_600_000 })
  durationMs!: number;

  /** For operators: why (kept in the block and the audit log). */
  @PlainText(1, 500, { required: true, example: 'scraping, ticket 4411' })
  reason!: string;

  /** Told to the blocked caller; without it the caller reads a generic message. */
  @PlainText(1, 200, { example: 'Too many requests from your network' })
  publicReason?: string;

  /**
   * Needed to block an address range wider than BLOCK_MIN_IPV4_PREFIX / BLOCK_MIN_IPV6_PREFIX
   * (`0.0.0.0/0` refuses everyone); such a block's audit entry says it was forced.
   */
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  @Documented({ type: 'boolean' }, {}, { description: 'Required to block a range wider than the configured prefix' })
  force?: boolean;
}
