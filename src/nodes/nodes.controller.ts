import { Controller, Get, Inject } from '@nestjs/common';
import { AdminRoute } from '../admin/index.js';
import { StoreUnavailableException } from '../http/store-unavailable.js';
import type { NodeInfo } from './node-info.js';
import { NodeRegistry } from './node-registry.js';
import { NODES_PATH } from './nodes.constants.js';

/** The live nodes, for operators: which are up, what version and rules each runs. */
@Controller(NODES_PATH.slice(1))
export class NodesController {
  constructor(@Inject(NodeRegistry) private readonly registry: NodeRegistry) {}

  @Get()
  @AdminRoute('read')
  async list(): Promise<{ items: NodeInfo[] }> {
    try {
      return { items: await this.registry.list() };
    } catch (error) {
      throw new StoreUnavailableException('the node registry', error);
    }
  }
}
