import { ApiProperty } from '@nestjs/swagger';
import { MAX_TIER_LENGTH } from '../../check/check-request.js';
import { ApiKeyFieldsDto, Tier } from './api-key-fields.js';

/**
 * The body of `PATCH /v1/admin/api-keys/:id`: any of tier, owner, description, enabled, expiresAt
 * (null clears owner, description and expiresAt). A revoked key takes no changes.
 */
export class UpdateApiKeyDto extends ApiKeyFieldsDto {
  @Tier(false)
  @ApiProperty({ minLength: 1, maxLength: MAX_TIER_LENGTH, example: 'enterprise', required: false })
  tier?: string;
}
