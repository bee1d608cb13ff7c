import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { AdminActor, AdminRoute } from '../admin/index.js';
import { oneOf, orBadRequest, parseListQuery } from '../http/list-query.js';
import { uuidParam } from '../http/path-id.js';
import { ALLOW_TYPES } from './access-lists.js';
import type { AllowEntryResponse } from './access-responses.js';
import { AllowlistRepository } from './allowlist.repository.js';
// A value import on purpose: the validation pipe reads the DTO class from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { CreateAllowEntryDto } from './dto/create-allow-entry.dto.js';

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
  async create(
    @Body() body: CreateAllowEntryDto,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
  ): Promise<AllowEntryResponse & { rulesVersion: number }> {
    const entry = await this.allowlist.create(body, actor);
    reply.header('Location', `${ALLOWLIST_PATH}/${entry.id}`);
    return entry;
  }

  /** Oldest first (`type`, `limit`, `offset`). */
  @Get()
  @AdminRoute('read')
  list(@Query() query: unknown): Promise<{ items: AllowEntryResponse[]; total: number }> {
    const parsed = orBadRequest(parseListQuery(query, { type: oneOf(ALLOW_TYPES) }));
    return this.allowlist.list(parsed);
  }

  @Get(':id')
  @AdminRoute('read')
  get(@Param('id') id: string): Promise<AllowEntryResponse> {
    return this.allowlist.find(uuidParam(id));
  }

  @Delete(':id')
  @AdminRoute('write')
  @HttpCode(204)
  async remove(@Param('id') id: string, @AdminActor() actor: string): Promise<void> {
    await this.allowlist.remove(uuidParam(id), actor);
  }
}
