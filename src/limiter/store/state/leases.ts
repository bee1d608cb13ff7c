import type { LimitSpec } from '../../algorithms.js';
import { CONCURRENCY_MAX_RETRY_MS } from '../rate-limit.store.js';
import type { MeterState } from './meters.js';

/** One key's concurrency leases, as `concurrency-acquire-1.lua` keeps them in a sorted set. */
export interface LeaseState extends MeterState {
  /** Lease id -> when it expires (epoch ms). At most `limit` of them: acquiring stops there. */
  readonly leases: Map<string, number>;
}

/** Drops the expired leases (a lease ending at `now` has ended). */
export function trimLeases(state: LeaseState, now: number): void {
  for (const [id, expiry] of state.leases) if (expiry <= now) state.leases.delete(id);
}

/** A refused acquire's wait: until the oldest lease expires, at most `CONCURRENCY_MAX_RETRY_MS`. */
export function leaseWait(state: LeaseState | undefined, now: number): number {
  let oldest = Infinity;
  if (state !== undefined) for (const expiry of state.leases.values()) oldest = Math.min(oldest, expiry);
  return Math.max(1, Math.min(CONCURRENCY_MAX_RETRY_MS, oldest - now));
}

/** Free slots and the time until the newest lease expires. */
export function leaseStatus(state: LeaseState | undefined, { limit, windowMs }: LimitSpec, now: number) {
  let newest = now;
  if (state !== undefined) for (const expiry of state.leases.values()) newest = Math.max(newest, expiry);
  const held = state?.leases.size ?? 0;
  return { limit, windowMs, remaining: Math.max(0, limit - held), resetMs: newest - now };
}
