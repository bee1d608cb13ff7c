import {
  MAX_CLIENT_ID_LENGTH,
  MAX_DESCRIPTOR_KEY_LENGTH,
  MAX_DESCRIPTOR_VALUE_LENGTH,
  MAX_DOMAIN_LENGTH,
  MAX_RESOURCE_LENGTH,
  MAX_TIER_LENGTH,
} from '../rule.js';
import { BoundedString, DescriptorsField } from './rule-fields.js';

/**
 * One entry of the Envoy descriptor an Envoy rule matches.
 *
 * @example
 * { "key": "path", "value": "/search" }
 */
export class RuleDescriptorEntryDto {
  @BoundedString(true, 1, MAX_DESCRIPTOR_KEY_LENGTH, { example: 'remote_address' })
  key!: string;

  /** Unset: any value of the key, each value counted apart. */
  @BoundedString(false, 1, MAX_DESCRIPTOR_VALUE_LENGTH, {
    description: 'Unset: any value of the key, each value counted apart',
  })
  value?: string;
}

/**
 * A rule's `match`. Each selector is optional, but a rule names at least one. `domain` (with
 * `descriptors`) makes an Envoy rule, which names no HTTP selector.
 *
 * @example
 * { "resource": "GET /v1/*", "tier": "free" }
 * { "domain": "shop", "descriptors": [{ "key": "remote_address" }] }
 */
export class RuleMatchDto {
  /** A resource (route name or `/v1/check` resource); `*` matches any run of characters. */
  @BoundedString(false, 1, MAX_RESOURCE_LENGTH, {
    description: 'A resource (route name or /v1/check resource); * matches any run of characters',
    example: 'GET /v1/*',
  })
  resource?: string;

  @BoundedString(false, 1, MAX_TIER_LENGTH)
  tier?: string;

  @BoundedString(false, 1, MAX_CLIENT_ID_LENGTH)
  clientId?: string;

  /** The Envoy rate limit domain (`RateLimitRequest.domain`) whose descriptors the rule applies to. */
  @BoundedString(false, 1, MAX_DOMAIN_LENGTH, {
    description: 'The Envoy rate limit domain whose descriptors the rule applies to',
    example: 'shop',
  })
  domain?: string;

  /** The entries of the descriptor, in order; needs `domain`. */
  @DescriptorsField(RuleDescriptorEntryDto, { description: 'The entries of the descriptor, in order; needs domain' })
  descriptors?: RuleDescriptorEntryDto[];
}
