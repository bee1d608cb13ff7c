import { ApiKeyFieldsDto, Tier } from './api-key-fields.js';

/**
 * The body of `PATCH /v1/admin/api-keys/:id`: any of tier, owner, description, enabled, expiresAt
 * (null clears owner, description and expiresAt). A revoked key takes no changes.
 */
export class UpdateApiKeyDto extends ApiKeyFieldsDto {
  @Tier(false, { example: 'enterprise' })
  tier?: string;
}
