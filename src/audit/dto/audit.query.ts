import { PageQuery, QueryOneOf, QueryText } from '../../http/list-query.js';
import { AUDIT_TARGETS, type AuditTarget } from '../audit-targets.js';

/** The most characters of `targetId` (a key's id, a policy and a caller) a query may name. */
const MAX_TARGET_ID_LENGTH = 256;

/** The query of `GET /v1/admin/audit`: a page, and the entries of one target. */
export class AuditQuery extends PageQuery {
  @QueryOneOf(AUDIT_TARGETS, 'Only writes to this kind of target')
  targetType?: AuditTarget;

  @QueryText(MAX_TARGET_ID_LENGTH, 'Only writes to this target (its id)')
  targetId?: string;
}
