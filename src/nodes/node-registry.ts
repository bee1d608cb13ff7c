import type { NodeInfo, NodeRegistryKind } from './node-info.js';

/**
 * Where nodes announce themselves and are listed from. A type and its DI token under one name.
 * An entry not refreshed within `expiryMs` of its last write is gone: that is how a killed node
 * disappears.
 */
export abstract class NodeRegistry {
  abstract readonly kind: NodeRegistryKind;
  /** Writes (or refreshes) `node`'s entry, to expire `expiryMs` from now. */
  abstract register(node: NodeInfo, expiryMs: number): Promise<void>;
  /** Removes `id`'s entry at once (a clean shutdown). */
  abstract deregister(id: string): Promise<void>;
  /** The live nodes, ordered by id. */
  abstract list(): Promise<NodeInfo[]>;
  /** Releases what the registry owns (its own Redis connection). */
  abstract close(): Promise<void>;
}
