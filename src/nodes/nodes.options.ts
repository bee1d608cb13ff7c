import type { Cluster, Redis } from 'ioredis';

/**
 * Options of `NodesModule.forRoot` / `forRootAsync`. Values come from the app's config.
 *
 * @example
 * NodesModule.forRootAsync({
 *   imports: [admin, rules],
 *   useFactory: () => ({ nodeId: config.nodeId, redis: config.redisUrl }),
 * })
 */
export interface NodesModuleOptions {
  /** This node's id (NODE_ID). */
  nodeId: string;
  /** The registry in Redis: a URL (REDIS_URL) or a client you own (not closed by us). Unset: memory. */
  redis?: string | Redis | Cluster;
  /** Prefix of the registry's Redis keys. Default `floodgate:` (keys `floodgate:nodes:<id>`). */
  keyPrefix?: string;
  /** How often the node writes its entry, in ms. Default 5000. */
  heartbeatIntervalMs?: number;
  /** How long an entry lives without a heartbeat, in ms. Default 15000; must exceed the interval. */
  expiryMs?: number;
  /** Reported as the node's host. Default `os.hostname()`. */
  host?: string;
  /** Reported as Floodgate's version. Default the package.json version. */
  version?: string;
}

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
export const DEFAULT_NODE_EXPIRY_MS = 15_000;
/** Per-command timeout of the registry's own Redis connection: a heartbeat may wait longer than a check. */
export const NODES_REDIS_TIMEOUT_MS = 1_000;
/** How long the registry's own Redis connection may take to become ready at startup. */
export const NODES_REDIS_READY_TIMEOUT_MS = 5_000;
