import { Controller, Get, Inject, Query } from '@nestjs/common';
import { AdminRoute } from '../admin/index.js';
import { oneOf, orBadRequest, parseListQuery, text } from '../http/list-query.js';
import { AdminAuditLog, AUDIT_TARGETS, type AuditRecord } from './admin-audit.js';

/** `GET /v1/admin/audit`: the admin audit log, newest first (`targetType`, `targetId`, `limit`, `offset`). */
@Controller('v1/admin/audit')
export class AuditController {
  constructor(@Inject(AdminAuditLog) private readonly audit: AdminAuditLog) {}

  @Get()
  @AdminRoute('read')
  list(@Query() query: unknown): Promise<{ items: AuditRecord[]; total: number }> {
    const parsed = orBadRequest(parseListQuery(query, { targetType: oneOf(AUDIT_TARGETS), targetId: text(256) }));
    return this.audit.list(parsed);
  }
}
