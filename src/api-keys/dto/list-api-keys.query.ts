import { MAX_TIER_LENGTH } from '../../check/check-request.js';
import { PageQuery, QueryBoolean, QueryText } from '../../http/list-query.js';

/** The query of `GET /v1/admin/api-keys`: a page, filtered by tier, enabled and revoked. */
export class ApiKeyListQuery extends PageQuery {
  @QueryText(MAX_TIER_LENGTH, 'Only keys of this tier')
  tier?: string;

  @QueryBoolean('Only enabled (true) or disabled (false) keys')
  enabled?: boolean;

  @QueryBoolean('Only revoked (true) or unrevoked (false) keys')
  revoked?: boolean;
}
