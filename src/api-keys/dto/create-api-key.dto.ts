import { ApiProperty } from '@nestjs/swagger';
import { MAX_TIER_LENGTH } from '../../check/check-request.js';
import { ApiKeyFieldsDto, Tier } from './api-key-fields.js';

/**
 * The body of `POST /v1/admin/api-keys`.
 *
 * @example
 * { "tier": "pro", "owner": "team-search", "description": "search backend", "expiresAt": "2027-06-30T00:00:00Z" }
 */
export class CreateApiKeyDto extends ApiKeyFieldsDto {
  /** What rules select with `match.tier`. */
  @Tier(true)
  @ApiProperty({ minLength: 1, maxLength: MAX_TIER_LENGTH, example: 'pro' })
  tier!: string;
}
