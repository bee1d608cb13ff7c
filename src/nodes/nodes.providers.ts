import type { Provider } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../limiter/store/redis/redis-connection.js';
import { MemoryNodeRegistry } from './memory-node-registry.js';
import { NodeHeartbeat } from './node-heartbeat.js';
import { NodeRegistry } from './node-registry.js';
import { NODES_OPTIONS } from './nodes.constants.js';
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_NODE_EXPIRY_MS,
  NODES_REDIS_READY_TIMEOUT_MS,
  NODES_REDIS_TIMEOUT_MS,
  type NodesModuleOptions,
} from './nodes.options.js';
import { RedisNodeRegistry } from './redis-node-registry.js';

/** Checks the options once, at startup, so a bad interval fails the boot rather than the fleet view. */
export function validateNodesOptions(options: NodesModuleOptions): void {
  if (typeof options.nodeId !== 'string' || options.nodeId === '') {
    throw new Error(`NodesModule: "nodeId" must be a non-empty string, got ${String(options.nodeId)}`);
  }
  const interval = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const expiry = options.expiryMs ?? DEFAULT_NODE_EXPIRY_MS;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new Error(`NodesModule: "heartbeatIntervalMs" must be an integer >= 1, got ${String(interval)}`);
  }
  if (!Number.isInteger(expiry) || expiry <= interval) {
    throw new Error(
      `NodesModule: "expiryMs" must be an integer above heartbeatIntervalMs (${interval}), got ${String(expiry)}`,
    );
  }
}

/**
 * The registry: Redis when `redis` is given (a connection of its own from a URL, which must be
 * ready before the app starts, or the app's client), else this process's memory.
 */
export async function createNodeRegistry(options: NodesModuleOptions): Promise<NodeRegistry> {
  validateNodesOptions(options);
  if (options.redis === undefined) return new MemoryNodeRegistry();
  const keyPrefix = options.keyPrefix !== undefined ? { keyPrefix: options.keyPrefix } : {};
  if (typeof options.redis !== 'string')
    return new RedisNodeRegistry(options.redis, { ...keyPrefix, ownsClient: false });
  const client: Redis | Cluster = createRedisClient(options.redis, { commandTimeoutMs: NODES_REDIS_TIMEOUT_MS });
  try {
    await waitUntilReady(client, NODES_REDIS_READY_TIMEOUT_MS);
  } catch (error) {
    client.disconnect();
    throw new Error(`NodesModule: ${(error as Error).message}`, { cause: error });
  }
  return new RedisNodeRegistry(client, { ...keyPrefix, ownsClient: true });
}

/** Every provider of `NodesModule` but its options (from the module builder). */
export const NODES_PROVIDERS: Provider[] = [
  { provide: NodeRegistry, inject: [NODES_OPTIONS], useFactory: createNodeRegistry },
  NodeHeartbeat,
];
