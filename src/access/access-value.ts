import { MAX_CLIENT_ID_LENGTH, MAX_RESOURCE_LENGTH } from '../check/check-request.js';
import { isApiKeyPrefix } from '../api-keys/api-key-secret.js';
import type { AllowType } from './access-lists.js';
import { formatIpRange, parseIpRange } from './ip-ranges.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTROL_CHARACTERS = /\p{Cc}/u;

/**
 * Checks a block's or an allow-list entry's `value` for its `type` and gives it in the form it is
 * stored and matched in: a client id as is, an API key's id lowercased, an address or a range in
 * canonical form (`203.0.113.7/24` is `203.0.113.0/24`), a route name as is. An API key may also
 * be named by the prefix lists show (`fgk_AbCdEfGh`), given as is: the repositories turn it into
 * the key's id (see `apiKeyIdOf`) before anything is stored.
 */
export function accessValue(type: AllowType, value: unknown): { value: string } | { reason: string } {
  if (typeof value !== 'string') return { reason: 'must be a string' };
  switch (type) {
    case 'clientId':
      return value.length >= 1 && value.length <= MAX_CLIENT_ID_LENGTH
        ? { value }
        : { reason: `must be a client id of 1 to ${MAX_CLIENT_ID_LENGTH} characters` };
    case 'apiKey':
      if (UUID.test(value)) return { value: value.toLowerCase() };
      return isApiKeyPrefix(value)
        ? { value }
        : { reason: "must be an API key's id (a UUID) or its prefix (fgk_ and 8 characters)" };
    case 'ip': {
      const range = parseIpRange(value);
      return range === undefined
        ? { reason: 'must be an IPv4 or IPv6 address or a CIDR range (e.g. 203.0.113.0/24)' }
        : { value: formatIpRange(range) };
    }
    case 'route':
      return value.length >= 1 && value.length <= MAX_RESOURCE_LENGTH && !CONTROL_CHARACTERS.test(value)
        ? { value }
        : { reason: `must be a route name of 1 to ${MAX_RESOURCE_LENGTH} characters (e.g. "GET /v1/search")` };
  }
}
