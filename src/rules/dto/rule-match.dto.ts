import { ApiProperty } from '@nestjs/swagger';
import { MAX_CLIENT_ID_LENGTH, MAX_RESOURCE_LENGTH, MAX_TIER_LENGTH } from '../rule.js';
import { BoundedString } from './rule-fields.js';

/**
 * A rule's `match`. Each selector is optional, but a rule names at least one.
 *
 * @example
 * { "resource": "GET /v1/*", "tier": "free" }
 */
export class RuleMatchDto {
  /** A resource (route name or `/v1/check` resource); `*` matches any run of characters. */
  @BoundedString(false, 1, MAX_RESOURCE_LENGTH)
  @ApiProperty({ minLength: 1, maxLength: MAX_RESOURCE_LENGTH, required: false, example: 'GET /v1/*' })
  resource?: string;

  @BoundedString(false, 1, MAX_TIER_LENGTH)
  @ApiProperty({ minLength: 1, maxLength: MAX_TIER_LENGTH, required: false })
  tier?: string;

  @BoundedString(false, 1, MAX_CLIENT_ID_LENGTH)
  @ApiProperty({ minLength: 1, maxLength: MAX_CLIENT_ID_LENGTH, required: false })
  clientId?: string;
}
