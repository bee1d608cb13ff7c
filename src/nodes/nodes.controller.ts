import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminRoute } from '../admin/index.js';
import { StoreUnavailableException } from '../http/store-unavailable.js';
import { NodeList } from './node-info.js';
import { NodeRegistry } from './node-registry.js';
import { NODES_PATH } from './nodes.constants.js';

/** The live nodes, for operators: which are up, what version and rules each runs. */
@Controller(NODES_PATH.slice(1))
export class NodesController {
  constructor(@Inject(NodeRegistry) private readonly registry: NodeRegistry) {}

  @Get()
  @AdminRoute('read')
  @ApiOperation({ summary: 'The live nodes: which are up, what version and rules each runs' })
  @ApiOkResponse({ type: NodeList })
  async list(): Promise<NodeList> {
    try {
      return { items: await this.registry.list() };
    } catch (error) {
      throw new StoreUnavailableException('the node registry', error);
    }
  }
}
