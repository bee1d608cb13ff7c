import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminActor, AdminRoute } from '../admin/index.js';
import { invalidInputBody } from '../http/error-body.js';
import { uuidParam } from '../http/path-id.js';
import { ACCESS_OPTIONS, type AccessModuleOptions, DEFAULT_BLOCK_MIN_PREFIX } from './access.options.js';
import { BlockList, BlockResponse, CreatedBlockResponse } from './access-responses.js';
import { BlocksRepository } from './blocks.repository.js';
import { type BlockMinPrefix, wideBlockReason } from './wide-blocks.js';
// Value imports on purpose: the validation pipe reads the DTO classes from the emitted parameter types.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { CreateBlockDto } from './dto/create-block.dto.js';
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { BlockListQuery } from './dto/list-access.query.js';

export const BLOCKS_PATH = '/v1/admin/blocks';

/**
 * `/v1/admin/blocks`: block a client id, an API key or an address or range for a while, list the
 * blocks in force, lift one. Enforced on this node before the answer, on the others within the
 * rules' propagation bound.
 */
@Controller(BLOCKS_PATH.slice(1))
export class BlocksController {
  private readonly minPrefix: BlockMinPrefix;

  constructor(
    @Inject(BlocksRepository) private readonly blocks: BlocksRepository,
    @Inject(ACCESS_OPTIONS) options: AccessModuleOptions,
  ) {
    this.minPrefix = options.blockMinPrefix ?? DEFAULT_BLOCK_MIN_PREFIX;
  }

  @Post()
  @AdminRoute('write')
  @ApiOperation({ summary: 'Block a client id, an API key, or an address or range for a while' })
  @ApiCreatedResponse({ type: CreatedBlockResponse, description: 'Blocked; Location names it' })
  async create(
    @Body() body: CreateBlockDto,
    @AdminActor() actor: string,
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
  ): Promise<CreatedBlockResponse> {
    const { force, ...block } = body;
    const wide = wideBlockReason(block.type, block.value, this.minPrefix);
    if (wide !== undefined && force !== true) {
      throw new BadRequestException(invalidInputBody([{ field: 'value', reason: wide }]));
    }
    const created = await this.blocks.create(block, actor, { forced: wide !== undefined });
    reply.header('Location', `${BLOCKS_PATH}/${created.id}`);
    return created;
  }

  /** The blocks in force, newest first (`type`, `limit`, `offset`). */
  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: 'The blocks in force, newest first' })
  @ApiOkResponse({ type: BlockList })
  list(@Query() query: BlockListQuery): Promise<BlockList> {
    return this.blocks.list(query);
  }

  @Get(':id')
  @AdminRoute('read')
  @ApiOperation({ summary: 'One block in force (404 once it has expired or been lifted)' })
  @ApiOkResponse({ type: BlockResponse })
  get(@Param('id') id: string): Promise<BlockResponse> {
    return this.blocks.findActive(uuidParam(id));
  }

  /** Lifts a block (204); one that expired or never was is a 404. */
  @Delete(':id')
  @AdminRoute('write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift a block' })
  @ApiNoContentResponse({ description: 'Lifted; a block that expired or never was is a 404' })
  async remove(@Param('id') id: string, @AdminActor() actor: string): Promise<void> {
    await this.blocks.remove(uuidParam(id), actor);
  }
}
