/** The node registry: heartbeats, the live node list at `/v1/admin/nodes`, the insurance share. */
export { floodgateVersion } from './floodgate-version.js';
export { MemoryNodeRegistry } from './memory-node-registry.js';
export { NodeHeartbeat } from './node-heartbeat.js';
export type { NodeInfo, NodeRegistryKind } from './node-info.js';
export { NodeRegistry } from './node-registry.js';
export { NODES_OPTIONS, NODES_PATH } from './nodes.constants.js';
export { NodesController } from './nodes.controller.js';
export { NODES_ASYNC_OPTIONS_TYPE, NODES_OPTIONS_TYPE } from './nodes.module-definition.js';
export { NodesModule } from './nodes.module.js';
export { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_NODE_EXPIRY_MS, type NodesModuleOptions } from './nodes.options.js';
export { createNodeRegistry, validateNodesOptions } from './nodes.providers.js';
export { DEFAULT_NODES_KEY_PREFIX, RedisNodeRegistry, type RedisNodeRegistryOptions } from './redis-node-registry.js';
