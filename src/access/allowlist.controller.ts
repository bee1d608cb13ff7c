import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminActor, AdminRoute } from '../admin/index.js';
import { uuidParam } from '../http/path-id.js';
import { AllowEntryList, AllowEntryResponse, CreatedAllowEntryResponse } from './access-responses.js';
import { AllowlistRepository } from './allowlist.repository.js';
// Value imports on purpose: the validation pipe reads the DTO classes from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { CreateAllowEntryDto } from './dto/create-allow-entry.dto.js';
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { AllowListQuery } from './dto/list-access.query.js';

export const ALLOWLIST_PATH = '/v1/admin/allowlist';

/**
 * `/v1/admin/allowlist`: callers (client ids, API keys, addresses or ranges) and route names that
 * are never rate limited. `/health` and `/metrics` need no entry: they are never limited.
 */
@Controller(ALLOWLIST_PATH.slice(1))
export class AllowlistController {
  constructor(@Inject(AllowlistRepository) private readonly allowlist: AllowlistRepository) {}

  @Post()
  @AdminRoute('write')
  @ApiOperation({ summary: 'Never rate limit a caller (client id, API key, address or range) or a route' })
  @ApiCreatedResponse({ type: CreatedAllowEntryResponse, description: 'Added; Location names it' })
  async create(
    @Body() body: CreateAllowEntryDto,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
  ): Promise<CreatedAllowEntryResponse> {
    const entry = await this.allowlist.create(body, actor);
    reply.header('Location', `${ALLOWLIST_PATH}/${entry.id}`);
    return entry;
  }

  /** Oldest first (`type`, `limit`, `offset`). */
  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: 'The allow list, oldest first' })
  @ApiOkResponse({ type: AllowEntryList })
  list(@Query() query: AllowListQuery): Promise<AllowEntryList> {
    return this.allowlist.list(query);
  }

  @Get(':id')
  @AdminRoute('read')
  @ApiOperation({ summary: 'One entry of the allow list' })
  @ApiOkResponse({ type: AllowEntryResponse })
  get(@Param('id') id: string): Promise<AllowEntryResponse> {
    return this.allowlist.find(uuidParam(id));
  }

  @Delete(':id')
  @AdminRoute('write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an allow-list entry' })
  @ApiNoContentResponse({ description: 'Removed; an entry that never was is a 404' })
  async remove(@Param('id') id: string, @AdminActor() actor: string): Promise<void> {
    await this.allowlist.remove(uuidParam(id), actor);
  }
}
