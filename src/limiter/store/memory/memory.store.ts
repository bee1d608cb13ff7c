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
  limitKeyOf,
} from '../rate-limit.store.js';
import { penaltyKey } from '../store-key.js';
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

/** A stored state and whether it was used since the evictor last passed it (the CLOCK algorithm's bit). */
interface Entry {
  state: MeterState;
  used: boolean;
}

/**
 * A `RateLimitStore` in process memory: one node's limits (tests, single-instance apps) and the
 * fail-open insurance limiter. Same semantics as the Redis store for every algorithm, penalties
 * and leases included; atomic because every operation runs synchronously from start to end.
 *
 * Memory is bounded: a key is dropped once its usage has drained (by one periodic sweep for the
 * whole store, never a timer per hit), and past `maxKeys` a key not used lately goes: the oldest
 * key not used since the evictor last passed it (second chance, CLOCK). A use only sets a flag,
 * where moving the key to the end of a recency order cost a delete and an insert per hit.
 *
 * @example
 * const store = new MemoryRateLimitStore({ maxKeys: 100_000 });
 * await store.consume({ key, algorithm: 'gcra', limits: [{ limit: 10, windowMs: 1_000 }], cost: 1 });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  /** In insertion order, which the evictor walks from the oldest. */
  private readonly entries = new Map<string, Entry>();
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
    return this.consumeNow(request);
  }

  /** `consume`, synchronously: every operation here runs from start to end without I/O. */
  consumeNow(request: ConsumeRequest): ConsumeResult {
    checkLimits(request);
    return request.algorithm === 'concurrency' ? this.acquire(request) : this.take(request);
  }

  async release(request: ReleaseRequest): Promise<boolean> {
    if (request.algorithm !== 'concurrency') return false;
    checkLimits(request);
    const now = this.now();
    const leasesKey = limitKeyOf(request, 0);
    const { leaseId } = request;
    const state = this.entries.get(leasesKey)?.state as LeaseState | undefined;
    if (state === undefined) return false;
    const expiry = state.leases.get(leaseId);
    state.leases.delete(leaseId);
    trimLeases(state, now);
    if (state.leases.size === 0) this.entries.delete(leasesKey);
    return expiry !== undefined && expiry > now;
  }

  async refund(request: RefundRequest): Promise<void> {
    const { algorithm, limits, cost, consumedAtMs } = request;
    checkLimits(request);
    if (algorithm === 'concurrency' || cost === 0) return;
    const now = this.now();
    const meter = METERS[algorithm];
    for (let i = 0; i < limits.length; i++) {
      const spec = limits[i]!;
      const stored = this.entries.get(limitKeyOf(request, i))?.state;
      if (stored !== undefined) meter.refund(meter.load(stored, spec, now), spec, cost, consumedAtMs, now);
    }
  }

  async reset(target: StoreTarget): Promise<void> {
    const n = checkLimits(target);
    for (let i = 0; i < n; i++) this.entries.delete(limitKeyOf(target, i));
    this.entries.delete(penaltyKey(target.key));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Drops every key whose usage has fully drained. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.state.expiresAt <= now) this.entries.delete(key);
  }

  /** Plain loops, no closures: this is a single-node app's whole decision. */
  private take(request: ConsumeRequest): ConsumeResult {
    const { key, algorithm, limits, cost, penalty } = request;
    const now = this.now();
    const meter = METERS[algorithm as keyof typeof METERS];
    const n = limits.length;
    const keys = new Array<string>(n);
    const states = new Array<MeterState>(n);
    let neverFits = false;
    for (let i = 0; i < n; i++) {
      const spec = limits[i]!;
      keys[i] = limitKeyOf(request, i);
      states[i] = meter.load(this.touch(keys[i]!), spec, now);
      if (cost > meter.capacity(spec)) neverFits = true;
    }
    let retryAfterMs = 0;
    if (neverFits) retryAfterMs = longestWindow(limits);
    else if (cost > 0) {
      for (let i = 0; i < n; i++) {
        const spec = limits[i]!;
        if (!meter.fits(states[i]!, spec, cost, now)) {
          retryAfterMs = Math.max(retryAfterMs, meter.retryAfterMs(states[i]!, spec, cost, now));
        }
      }
    }
    let blockedUntil = 0;
    if (penalty !== undefined)
      ({ retryAfterMs, blockedUntil } = this.penalize(key, penalty, cost, retryAfterMs, neverFits, now));
    const allowed = retryAfterMs === 0;
    if (allowed && cost > 0) {
      for (let i = 0; i < n; i++) {
        meter.take(states[i]!, limits[i]!, cost, now);
        this.save(keys[i]!, states[i]!);
      }
    }
    const statuses = new Array<LimitStatus>(n);
    for (let i = 0; i < n; i++) statuses[i] = meter.status(states[i]!, limits[i]!, now);
    return withBlock({ allowed, nowMs: now, retryAfterMs, limits: statuses }, blockedUntil);
  }

  /** The penalty's say on the limits' verdict (`retryAfterMs` 0: they fit); stores a block it starts. */
  private penalize(key: string, penalty: Penalty, cost: number, retryAfterMs: number, neverFits: boolean, now: number) {
    const pKey = penaltyKey(key);
    const verdict = penalize(this.touch(pKey) as PenaltyState | undefined, penalty, cost, retryAfterMs, neverFits, now);
    if (verdict.started !== undefined) this.replace(pKey, verdict.started);
    return verdict;
  }

  /** A concurrency consume: acquires a lease (any cost >= 1 takes one slot) or reports (cost 0). */
  private acquire(request: ConsumeRequest): ConsumeResult {
    const { limits, cost } = request;
    const now = this.now();
    const spec = limits[0]!;
    const leasesKey = limitKeyOf(request, 0);
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

  /** The stored state, marked as used (it gets a second chance when the evictor passes it). */
  private touch(key: string): MeterState | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.state;
  }

  /** Stores `state` under `key` unless the key holds it already (states are updated in place). */
  private save(key: string, state: MeterState): void {
    if (this.entries.has(key)) return;
    this.makeRoom();
    // Unmarked: being the newest key is its recency; the bit records uses after that.
    this.entries.set(key, { state, used: false });
  }

  /** Stores `state` under `key` in place of what it holds. */
  private replace(key: string, state: MeterState): void {
    const entry = this.entries.get(key);
    if (entry === undefined) this.save(key, state);
    else {
      entry.state = state;
      entry.used = true;
    }
  }

  /**
   * Below `maxKeys`, nothing. At it, evicts the oldest key not used since the last pass: a used key
   * loses its bit and moves to the end, so each key is passed over at most once per eviction.
   */
  private makeRoom(): void {
    if (this.entries.size < this.maxKeys) return;
    for (const [key, entry] of this.entries) {
      this.entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(key, entry);
    }
  }
}

/** The result as it is without a block in force (no allocation), else with `blockedUntil`. */
function withBlock(result: ConsumeResult, blockedUntil: number): ConsumeResult {
  return blockedUntil > 0 ? { ...result, blockedUntil } : result;
}

function longestWindow(limits: readonly LimitSpec[]): number {
  return limits.reduce((longest, spec) => Math.max(longest, spec.windowMs), 0);
}
