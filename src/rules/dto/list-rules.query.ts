import { ALGORITHMS, type Algorithm } from '../../limiter/algorithms.js';
import { PageQuery, QueryBoolean, QueryOneOf, QueryText } from '../../http/list-query.js';

/** The query of `GET /v1/admin/rules`: a page, filtered by resource, enabled and algorithm. */
export class RuleListQuery extends PageQuery {
  @QueryText(undefined, 'Only rules whose match.resource is exactly this')
  resource?: string;

  @QueryBoolean('Only enabled (true) or disabled (false) rules')
  enabled?: boolean;

  @QueryOneOf(ALGORITHMS, 'Only rules of this algorithm')
  algorithm?: Algorithm;
}
