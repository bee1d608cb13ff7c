import type { NodeInfo } from './node-info.js';
import { NodeRegistry } from './node-registry.js';

/** A single node's registry (no Redis): it holds just this node, until its entry expires. */
export class MemoryNodeRegistry extends NodeRegistry {
  readonly kind = 'memory';
  private entry: { node: NodeInfo; expiresAt: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async register(node: NodeInfo, expiryMs: number): Promise<void> {
    this.entry = { node, expiresAt: this.now() + expiryMs };
  }

  async deregister(id: string): Promise<void> {
    if (this.entry?.node.id === id) this.entry = undefined;
  }

  async list(): Promise<NodeInfo[]> {
    if (this.entry === undefined || this.entry.expiresAt <= this.now()) return [];
    return [this.entry.node];
  }

  async close(): Promise<void> {
    this.entry = undefined;
  }
}
