import { Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminActor, AdminRoute } from '../admin/index.js';
import { uuidParam } from '../http/path-id.js';
import { ApiKeyList, ApiKeyResponse, ApiKeyWriteResponse, CreatedApiKeyResponse } from './api-key.js';
import { ApiKeysRepository } from './api-keys.repository.js';
// Value imports on purpose: the validation pipe reads the DTO classes from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { ApiKeyListQuery } from './dto/list-api-keys.query.js';
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { UpdateApiKeyDto } from './dto/update-api-key.dto.js';

export const API_KEYS_PATH = '/v1/admin/api-keys';

/**
 * `/v1/admin/api-keys`: create (the secret is in the answer, once), list, get, update, revoke.
 * Every write is reloaded on this node before it is answered; the others follow through the
 * rules announcement.
 */
@Controller(API_KEYS_PATH.slice(1))
export class ApiKeysController {
  constructor(@Inject(ApiKeysRepository) private readonly keys: ApiKeysRepository) {}

  @Post()
  @AdminRoute('write')
  @ApiOperation({ summary: 'Create an API key (its secret is in this answer only)' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse, description: 'Created; Location names it' })
  async create(
    @Body() body: CreateApiKeyDto,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
  ): Promise<CreatedApiKeyResponse> {
    const key = await this.keys.create(body, actor);
    reply.header('Location', `${API_KEYS_PATH}/${key.id}`);
    // The secret must not linger in caches between here and the admin.
    reply.header('Cache-Control', 'no-store');
    return key;
  }

  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: 'List API keys' })
  @ApiOkResponse({ type: ApiKeyList })
  list(@Query() query: ApiKeyListQuery): Promise<ApiKeyList> {
    return this.keys.list(query);
  }

  @Get(':id')
  @AdminRoute('read')
  @ApiOperation({ summary: 'One API key (never its secret)' })
  @ApiOkResponse({ type: ApiKeyResponse })
  get(@Param('id') id: string): Promise<ApiKeyResponse> {
    return this.keys.findById(uuidParam(id));
  }

  @Patch(':id')
  @AdminRoute('write')
  @ApiOperation({ summary: 'Change an API key (tier, owner, description, enabled, expiresAt)' })
  @ApiOkResponse({ type: ApiKeyWriteResponse })
  update(
    @Param('id') id: string,
    @Body() body: UpdateApiKeyDto,
    @AdminActor() actor: string,
  ): Promise<ApiKeyWriteResponse> {
    return this.keys.update(uuidParam(id), body, actor);
  }

  /** Revokes the key for good (a revoked key takes no further change; its record stays). */
  @Post(':id/revoke')
  @AdminRoute('write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an API key for good (its record stays)' })
  @ApiOkResponse({ type: ApiKeyWriteResponse })
  revoke(@Param('id') id: string, @AdminActor() actor: string): Promise<ApiKeyWriteResponse> {
    return this.keys.revoke(uuidParam(id), actor);
  }
}
