import { Module } from '@nestjs/common';
import { NodeHeartbeat } from './node-heartbeat.js';
import { NodeRegistry } from './node-registry.js';
import { NodesController } from './nodes.controller.js';
import { ConfigurableNodesModule } from './nodes.module-definition.js';
import { NODES_PROVIDERS } from './nodes.providers.js';

/**
 * The node registry: this node's heartbeat (in Redis when `redis` is set, else in memory) and
 * `GET /v1/admin/nodes`. Needs `RateLimitModule` (global) in the app; the admin guard's module
 * must be passed in `forRootAsync({ imports })`, and the rules module too for `rulesVersion`
 * (without it the field is null). Pass the same module objects the app imports.
 *
 * @example
 * NodesModule.forRootAsync({
 *   imports: [admin, rules],
 *   useFactory: () => ({ nodeId: config.nodeId, redis: config.redisUrl }),
 * });
 */
@Module({
  controllers: [NodesController],
  providers: NODES_PROVIDERS,
  exports: [NodeRegistry, NodeHeartbeat],
})
export class NodesModule extends ConfigurableNodesModule {}
