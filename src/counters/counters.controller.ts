import { Controller, Delete, Get, HttpCode, Inject, Query } from '@nestjs/common';
import { AdminActor, AdminRoute } from '../admin/index.js';
import { parseCountersQuery } from './counters-query.js';
import { type CountersResponse, CountersService } from './counters.service.js';

/**
 * `GET /v1/admin/counters?rule=<name>&clientId=<id>`: a caller's current usage of every limit of a
 * rule (`ip=` instead of `clientId` for callers counted by address; `resource=` for a per-resource
 * rule). `DELETE` with the same query resets it (204). Both are audit-logged.
 */
@Controller('v1/admin/counters')
export class CountersController {
  constructor(@Inject(CountersService) private readonly counters: CountersService) {}

  @Get()
  @AdminRoute('read')
  read(@Query() query: unknown, @AdminActor() actor: string): Promise<CountersResponse> {
    return this.counters.read(parseCountersQuery(query), actor);
  }

  @Delete()
  @AdminRoute('write')
  @HttpCode(204)
  reset(@Query() query: unknown, @AdminActor() actor: string): Promise<void> {
    return this.counters.reset(parseCountersQuery(query), actor);
  }
}
