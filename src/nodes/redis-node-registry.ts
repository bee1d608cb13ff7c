import type { Cluster, Redis } from 'ioredis';
import type { NodeInfo } from './node-info.js';
import { NodeRegistry } from './node-registry.js';

export interface RedisNodeRegistryOptions {
  /** Prefix of the registry's keys. Default `floodgate:`. */
  readonly keyPrefix?: string;
  /** Close the client on `close()`: true when the registry created it. */
  readonly ownsClient?: boolean;
}

export const DEFAULT_NODES_KEY_PREFIX = 'floodgate:';

/**
 * The fleet's registry in Redis: each node's entry is a JSON string at `<prefix>nodes:<id>` with a
 * PX expiry, and the ids are kept in the set `<prefix>nodes`, so listing needs no SCAN. An id whose
 * entry has expired (a killed node) is pruned from the set when a list finds it missing.
 *
 * Every command touches one key, so it works unchanged on Redis Cluster (no cross-slot command).
 */
export class RedisNodeRegistry extends NodeRegistry {
  readonly kind = 'redis';
  private readonly prefix: string;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly options: RedisNodeRegistryOptions = {},
  ) {
    super();
    this.prefix = options.keyPrefix ?? DEFAULT_NODES_KEY_PREFIX;
  }

  async register(node: NodeInfo, expiryMs: number): Promise<void> {
    await Promise.all([
      this.client.set(this.nodeKey(node.id), JSON.stringify(node), 'PX', expiryMs),
      this.client.sadd(this.idsKey(), node.id),
      // A fleet that is gone entirely leaves nothing behind; any live node keeps the set alive.
      this.client.pexpire(this.idsKey(), expiryMs),
    ]);
  }

  async deregister(id: string): Promise<void> {
    await Promise.all([this.client.del(this.nodeKey(id)), this.client.srem(this.idsKey(), id)]);
  }

  async list(): Promise<NodeInfo[]> {
    const ids = await this.client.smembers(this.idsKey());
    const entries = await Promise.all(ids.map((id) => this.client.get(this.nodeKey(id))));
    const nodes: NodeInfo[] = [];
    const expired: string[] = [];
    entries.forEach((entry, i) => {
      const node = entry === null ? undefined : parseNode(entry);
      if (node === undefined) expired.push(ids[i]!);
      else nodes.push(node);
    });
    // A node that re-registers between our GET and this SREM is re-added by its next heartbeat.
    if (expired.length > 0) await this.client.srem(this.idsKey(), ...expired);
    return nodes.sort((a, b) => a.id.localeCompare(b.id));
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await this.client.quit().catch(() => this.client.disconnect());
  }

  private idsKey(): string {
    return `${this.prefix}nodes`;
  }

  private nodeKey(id: string): string {
    return `${this.prefix}nodes:${id}`;
  }
}

/** An entry another process wrote: anything unreadable counts as absent rather than failing the list. */
function parseNode(entry: string): NodeInfo | undefined {
  try {
    const node = JSON.parse(entry) as Partial<NodeInfo> | null;
    return typeof node === 'object' && node !== null && typeof node.id === 'string' ? (node as NodeInfo) : undefined;
  } catch {
    return undefined;
  }
}
