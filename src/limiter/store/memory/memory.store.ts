import { LeaseIds } from '../lease-ids.js';
import {
  checkLimits,
  type ConsumeRequest,
  type ConsumeResult,
  type RateLimitStore,
  type RefundRequest,
  type ReleaseRequest,
  type StoreTarget,
  limitKeyOf,
} from '../rate-limit.store.js';
import { penaltyKey } from '../store-key.js';
import type { LeaseState } from '../state/leases.js';
import type { MeterState } from '../state/meters.js';
import { acquireLease, consumeStates, refundStates, releaseLease } from '../state/operations.js';
import type { PenaltyState } from '../state/penalties.js';

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
 *
 * @publicApi
 */
export class MemoryRateLimitStore implements RateLimitStore {
  /** In insertion order, which the evictor walks from the oldest. */
  private readonly entries = new Map<string, Entry>();
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly leaseIds = new LeaseIds();
  private readonly nextLeaseId = () => this.leaseIds.next();
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
    const leasesKey = limitKeyOf(request, 0);
    const stored = this.entries.get(leasesKey)?.state as LeaseState | undefined;
    if (stored === undefined) return false;
    const { released, state } = releaseLease(stored, request.leaseId, this.now());
    if (state === undefined) this.entries.delete(leasesKey);
    return released;
  }

  async refund(request: RefundRequest): Promise<void> {
    const n = checkLimits(request);
    const stored = new Array<MeterState | undefined>(n);
    for (let i = 0; i < n; i++) stored[i] = this.entries.get(limitKeyOf(request, i))?.state;
    refundStates(request, stored, this.now());
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

  private take(request: ConsumeRequest): ConsumeResult {
    const { key, limits, penalty } = request;
    const now = this.now();
    const n = limits.length;
    const keys = new Array<string>(n);
    const stored = new Array<MeterState | undefined>(n);
    for (let i = 0; i < n; i++) {
      keys[i] = limitKeyOf(request, i);
      stored[i] = this.touch(keys[i]!);
    }
    const pKey = penalty === undefined ? undefined : penaltyKey(key);
    const penaltyState = pKey === undefined ? undefined : (this.touch(pKey) as PenaltyState | undefined);
    const { result, states, taken, started } = consumeStates(request, stored, penaltyState, now);
    if (started !== undefined) this.replace(pKey!, started);
    if (taken) for (let i = 0; i < n; i++) this.save(keys[i]!, states[i]!);
    return result;
  }

  private acquire(request: ConsumeRequest): ConsumeResult {
    const { limits, cost } = request;
    const leasesKey = limitKeyOf(request, 0);
    const stored = this.touch(leasesKey) as LeaseState | undefined;
    const { result, state } = acquireLease(stored, limits[0]!, cost, this.now(), this.nextLeaseId);
    if (state !== undefined) this.save(leasesKey, state);
    return result;
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
