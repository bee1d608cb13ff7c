import type { BreakerState } from '../limiter/resilience/circuit-breaker.store.js';

/** Where the node registry keeps its entries: Redis (a fleet) or this process (one node). */
export type NodeRegistryKind = 'redis' | 'memory';

/**
 * One node as `GET /v1/admin/nodes` lists it, written by its heartbeat. Times are ISO 8601 strings.
 *
 * @example
 * { id: 'fg-1', host: 'web-7', pid: 4242, version: '0.1.0', startedAt: '2026-11-23T08:00:00.000Z',
 *   lastHeartbeatAt: '2026-11-23T08:10:05.000Z', rulesVersion: 12, store: 'redis', breaker: 'closed' }
 */
export interface NodeInfo {
  /** NODE_ID. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Floodgate's version (package.json). */
  readonly version: string;
  readonly startedAt: string;
  readonly lastHeartbeatAt: string;
  /** The rules version this node enforces; null where the node runs without admin rules. */
  readonly rulesVersion: number | null;
  /** Where the registry (and, in the service, the limiter's counters) live. */
  readonly store: NodeRegistryKind;
  /** The limiter store's circuit breaker; `none` when the store has no breaker (memory). */
  readonly breaker: BreakerState | 'none';
}
