import { ApiKeyFieldsDto, Tier } from './api-key-fields.js';

/**
 * The body of `POST /v1/admin/api-keys`.
 *
 * @example
 * { "tier": "pro", "owner": "team-search", "description": "search backend", "expiresAt": "2027-06-30T00:00:00Z" }
 */
export class CreateApiKeyDto extends ApiKeyFieldsDto {
  /** What rules select with `match.tier`. */
  @Tier(true, { example: 'pro' })
  tier!: string;
}
