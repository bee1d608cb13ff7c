import { PageQuery, QueryOneOf } from '../../http/list-query.js';
import { ALLOW_TYPES, type AllowType, BLOCK_TYPES, type BlockType } from '../access-lists.js';

/** The query of `GET /v1/admin/blocks`: a page, and the blocks of one `type`. */
export class BlockListQuery extends PageQuery {
  @QueryOneOf(BLOCK_TYPES, 'Only blocks of this type')
  type?: BlockType;
}

/** The query of `GET /v1/admin/allowlist`: a page, and the entries of one `type`. */
export class AllowListQuery extends PageQuery {
  @QueryOneOf(ALLOW_TYPES, 'Only entries of this type')
  type?: AllowType;
}
