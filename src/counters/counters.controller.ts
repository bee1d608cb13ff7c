import { Controller, Delete, Get, HttpCode, Inject, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminActor, AdminRoute } from '../admin/index.js';
// A value import on purpose: the validation pipe reads the query class from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { CountersQuery } from './counters-query.js';
import { CountersResponse } from './counters-response.js';
import { CountersService } from './counters.service.js';

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
  @ApiOperation({ summary: "A caller's current usage of every limit of a rule (read from the store)" })
  @ApiOkResponse({ type: CountersResponse })
  read(@Query() query: CountersQuery, @AdminActor() actor: string): Promise<CountersResponse> {
    return this.counters.read(query, actor);
  }

  @Delete()
  @AdminRoute('write')
  @HttpCode(204)
  @ApiOperation({ summary: "Reset a caller's usage of a rule (on every node)" })
  @ApiNoContentResponse({ description: 'Reset' })
  reset(@Query() query: CountersQuery, @AdminActor() actor: string): Promise<void> {
    return this.counters.reset(query, actor);
  }
}
