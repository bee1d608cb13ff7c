import { ApiProperty } from '@nestjs/swagger';
import type { BreakerState } from '../limiter/resilience/circuit-breaker.store.js';

/** Where the node registry keeps its entries: Redis (a fleet) or this process (one node). */
export const NODE_REGISTRY_KINDS = ['redis', 'memory'] as const;
export type NodeRegistryKind = (typeof NODE_REGISTRY_KINDS)[number];

/**
 * One node as `GET /v1/admin/nodes` lists it, written by its heartbeat. Times are ISO 8601 strings.
 *
 * @example
 * { id: 'fg-1', host: 'web-7', pid: 4242, version: '0.1.0', startedAt: '2026-11-23T08:00:00.000Z',
 *   lastHeartbeatAt: '2026-11-23T08:10:05.000Z', rulesVersion: 12, store: 'redis', breaker: 'closed' }
 */
export class NodeInfo {
  /** NODE_ID. */
  @ApiProperty({ description: 'NODE_ID', example: 'fg-1' })
  readonly id!: string;

  @ApiProperty()
  readonly host!: string;

  @ApiProperty({ type: 'integer' })
  readonly pid!: number;

  /** Floodgate's version (package.json). */
  @ApiProperty({ description: "Floodgate's version" })
  readonly version!: string;

  @ApiProperty({ format: 'date-time' })
  readonly startedAt!: string;

  @ApiProperty({ format: 'date-time' })
  readonly lastHeartbeatAt!: string;

  /** The rules version this node enforces; null where the node runs without admin rules. */
  @ApiProperty({ type: 'integer', nullable: true, description: 'The rules version this node enforces' })
  readonly rulesVersion!: number | null;

  /** Where the registry (and, in the service, the limiter's counters) live. */
  @ApiProperty({ enum: NODE_REGISTRY_KINDS, description: "Where the registry (and the limiter's counters) live" })
  readonly store!: NodeRegistryKind;

  /** The limiter store's circuit breaker; `none` when the store has no breaker (memory). */
  @ApiProperty({ enum: ['closed', 'open', 'half_open', 'none'], description: "The limiter store's circuit breaker" })
  readonly breaker!: BreakerState | 'none';
}

/** `GET /v1/admin/nodes`'s answer. */
export class NodeList {
  @ApiProperty({ type: () => [NodeInfo] })
  readonly items!: readonly NodeInfo[];
}
