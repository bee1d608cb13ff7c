import type { LimitSpec, Penalty } from '../../algorithms.js';
import { LeaseIds } from '../lease-ids.js';
import {
  checkLimits,
  type ConsumeRequest,
  type ConsumeResult,
  type LimitStatus,
  type RateLimitStore,
  type RefundRequest,
  type ReleaseRequest,
  type StoreTarget,
} from '../rate-limit.store.js';
import { limitKey, penaltyKey } from '../store-key.js';
import { leaseStatus, leaseWait, trimLeases, type LeaseState } from './leases.js';
import { METERS, type MeterState } from './meters.js';
import { penalize, type PenaltyState } from './penalties.js';

export interface MemoryRateLimitStoreOptions {
  /** Most keys kept (limits, penalties, lease sets); past it the least recently used are evicted. Default 1e6. */
  maxKeys?: number;
  /** How often drained keys are swept out. Default 5 000 ms; 0 disables the timer (call `sweep()`). */
  sweepIntervalMs?: number;
  /** The clock, in epoch ms. Default `Date.now`; tests pass a controllable one. */
  now?: () => number;
}

/**
 * A `RateLimitStore` in process memory: one node's limits (tests, single-instance apps) and the
 * fail-open insurance limiter. Same semantics as the Redis store for every algorithm, penalties
 * and leases included; atomic because every operation runs synchronously from start to end.
 *
 * Memory is bounded: a key is dropped once its usage has drained (by one periodic sweep for the
 * whole store, never a timer per hit), and past `maxKeys` the least recently used key goes.
 *
 * @example
 * const store = new MemoryRateLimitStore({ maxKeys: 100_000 });
 * await store.consume({ key, algorithm: 'gcra', limits: [{ limit: 10, windowMs: 1_000 }], cost: 1 });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  /** Insertion order is recency order: every access moves a key to the end. */
  private readonly entries = new Map<string, MeterState>();
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly leaseIds = new LeaseIds();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 1_000_000;
    this.now = options.now ?? Date.now;
    const interval = options.sweepIntervalMs ?? 5_000;
    if (interval > 0) {
      this.sweeper = setInterval(() => this.sweep(), interval);
      // A rate limiter must never be what keeps a process alive.
      this.sweeper.unref();
    }
  }

  /** Keys currently held. */
  get size(): number {
    return this.entries.size;
  }

  async consume(request: ConsumeRequest): Promise<ConsumeResult> {
    checkLimits(request);
    return request.algorithm === 'concurrency' ? this.acquire(request) : this.consumeNow(request);
  }

  async release({ key, algorithm, limits, leaseId }: ReleaseRequest): Promise<boolean> {
    if (algorithm !== 'concurrency') return false;
    checkLimits({ key, algorithm, limits });
    const now = this.now();
    const leasesKey = limitKey(key, algorithm, limits[0]!.windowMs);
    const state = this.entries.get(leasesKey) as LeaseState | undefined;
    if (state === undefined) return false;
    const expiry = state.leases.get(leaseId);
    state.leases.delete(leaseId);
    trimLeases(state, now);
    if (state.leases.size === 0) this.entries.delete(leasesKey);
    return expiry !== undefined && expiry > now;
  }

  async refund({ key, algorithm, limits, cost, consumedAtMs }: RefundRequest): Promise<void> {
    checkLimits({ key, algorithm, limits });
    if (algorithm === 'concurrency' || cost === 0) return;
    const now = this.now();
    const meter = METERS[algorithm];
    for (const spec of limits) {
      const stored = this.entries.get(limitKey(key, algorithm, spec.windowMs));
      if (stored !== undefined) meter.refund(meter.load(stored, spec, now), spec, cost, consumedAtMs, now);
    }
  }

  async reset({ key, algorithm, limits }: StoreTarget): Promise<void> {
    checkLimits({ key, algorithm, limits });
    for (const spec of limits) this.entries.delete(limitKey(key, algorithm, spec.windowMs));
    this.entries.delete(penaltyKey(key));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Drops every key whose usage has fully drained. */
  sweep(): void {
    const now = this.now();
    for (const [key, state] of this.entries) if (state.expiresAt <= now) this.entries.delete(key);
  }

  private consumeNow({ key, algorithm, limits, cost, penalty }: ConsumeRequest): ConsumeResult {
    const now = this.now();
    const meter = METERS[algorithm as keyof typeof METERS];
    const keys = limits.map((spec) => limitKey(key, algorithm, spec.windowMs));
    const states = limits.map((spec, i) => meter.load(this.touch(keys[i]!), spec, now));
    const statuses = (): LimitStatus[] => limits.map((spec, i) => meter.status(states[i]!, spec, now));

    const neverFits = limits.some((spec) => cost > meter.capacity(spec));
    let retryAfterMs = 0;
    if (neverFits) retryAfterMs = longestWindow(limits);
    else if (cost > 0) {
      limits.forEach((spec, i) => {
        if (!meter.fits(states[i]!, spec, cost, now)) {
          retryAfterMs = Math.max(retryAfterMs, meter.retryAfterMs(states[i]!, spec, cost, now));
        }
      });
    }
    let blockedUntil = 0;
    if (penalty !== undefined)
      ({ retryAfterMs, blockedUntil } = this.penalize(key, penalty, cost, retryAfterMs, neverFits, now));
    if (retryAfterMs > 0)
      return withBlock({ allowed: false, nowMs: now, retryAfterMs, limits: statuses() }, blockedUntil);

    if (cost > 0) {
      limits.forEach((spec, i) => {
        meter.take(states[i]!, spec, cost, now);
        this.save(keys[i]!, states[i]!);
      });
    }
    return withBlock({ allowed: true, nowMs: now, retryAfterMs: 0, limits: statuses() }, blockedUntil);
  }

  /** The penalty's say on the limits' verdict (`retryAfterMs` 0: they fit); stores a block it starts. */
  private penalize(key: string, penalty: Penalty, cost: number, retryAfterMs: number, neverFits: boolean, now: number) {
    const pKey = penaltyKey(key);
    const verdict = penalize(this.touch(pKey) as PenaltyState | undefined, penalty, cost, retryAfterMs, neverFits, now);
    if (verdict.started !== undefined) {
      this.entries.delete(pKey);
      this.save(pKey, verdict.started);
    }
    return verdict;
  }

  /** A concurrency consume: acquires a lease (any cost >= 1 takes one slot) or reports (cost 0). */
  private acquire({ key, limits, cost }: ConsumeRequest): ConsumeResult {
    const now = this.now();
    const spec = limits[0]!;
    const leasesKey = limitKey(key, 'concurrency', spec.windowMs);
    let state = this.touch(leasesKey) as LeaseState | undefined;
    if (state !== undefined) trimLeases(state, now);
    if (cost === 0) return { allowed: true, nowMs: now, retryAfterMs: 0, limits: [leaseStatus(state, spec, now)] };
    if (spec.limit < 1) {
      return { allowed: false, nowMs: now, retryAfterMs: spec.windowMs, limits: [leaseStatus(state, spec, now)] };
    }
    if ((state?.leases.size ?? 0) >= spec.limit) {
      return {
        allowed: false,
        nowMs: now,
        retryAfterMs: leaseWait(state, now),
        limits: [leaseStatus(state, spec, now)],
      };
    }
    if (state === undefined) {
      state = { leases: new Map(), expiresAt: 0 };
      this.save(leasesKey, state);
    }
    const leaseId = this.leaseIds.next();
    state.leases.set(leaseId, now + spec.windowMs);
    state.expiresAt = now + spec.windowMs;
    return { allowed: true, nowMs: now, retryAfterMs: 0, limits: [leaseStatus(state, spec, now)], leaseId };
  }

  /** The stored state, moved to the recent end of the eviction order. */
  private touch(key: string): MeterState | undefined {
    const state = this.entries.get(key);
    if (state !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, state);
    }
    return state;
  }

  private save(key: string, state: MeterState): void {
    if (this.entries.has(key)) return;
    if (this.entries.size >= this.maxKeys) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, state);
  }
}

/** The result as it is without a block in force (no allocation), else with `blockedUntil`. */
function withBlock(result: ConsumeResult, blockedUntil: number): ConsumeResult {
  return blockedUntil > 0 ? { ...result, blockedUntil } : result;
}

function longestWindow(limits: readonly LimitSpec[]): number {
  return limits.reduce((longest, spec) => Math.max(longest, spec.windowMs), 0);
}
