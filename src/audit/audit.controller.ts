import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../admin/index.js';
import { AdminAuditLog } from './admin-audit.js';
import { AuditList } from './audit-record.js';
// A value import on purpose: the validation pipe reads the DTO class from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { AuditQuery } from './dto/audit.query.js';

/** `GET /v1/admin/audit`: the admin audit log, newest first (`targetType`, `targetId`, `limit`, `offset`). */
@Controller('v1/admin/audit')
export class AuditController {
  constructor(@Inject(AdminAuditLog) private readonly audit: AdminAuditLog) {}

  @Get()
  @AdminRoute('read')
  @ApiOperation({
    summary: 'The admin audit log of API key, block, allow-list, state and counter writes, newest first',
  })
  @ApiOkResponse({ type: AuditList })
  list(@Query() query: AuditQuery): Promise<AuditList> {
    return this.audit.list(query);
  }
}
