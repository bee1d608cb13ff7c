import { MAX_LIMITS, type LimitSpec } from '../../algorithms.js';
import type { ConsumeRequest, ConsumeResult, LimitStatus, RateLimitStore } from '../rate-limit.store.js';
import { limitKey } from '../store-key.js';
import { METERS, type MeterState } from './meters.js';

export interface MemoryRateLimitStoreOptions {
  /** Most limit keys kept; past it the least recently used are evicted. Default 1e6. */
  maxKeys?: number;
  /** How often drained keys are swept out. Default 5 000 ms; 0 disables the timer (call `sweep()`). */
  sweepIntervalMs?: number;
  /** The clock, in epoch ms. Default `Date.now`; tests pass a controllable one. */
  now?: () => number;
}

/**
 * A `RateLimitStore` in process memory: one node's limits (tests, single-instance apps) and the
 * fail-open insurance limiter. Same semantics as the Redis store for every algorithm; atomic
 * because a consume runs synchronously from start to end.
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

  /** Limit keys currently held. */
  get size(): number {
    return this.entries.size;
  }

  async consume(request: ConsumeRequest): Promise<ConsumeResult> {
    return this.consumeNow(request);
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

  private consumeNow({ key, algorithm, limits, cost }: ConsumeRequest): ConsumeResult {
    if (limits.length < 1 || limits.length > MAX_LIMITS) {
      throw new Error(`A consume takes 1 to ${MAX_LIMITS} limits, got ${limits.length}`);
    }
    const now = this.now();
    const meter = METERS[algorithm];
    const keys = limits.map((spec) => limitKey(key, algorithm, spec.windowMs));
    const states = limits.map((spec, i) => meter.load(this.touch(keys[i]!), spec, now));
    const statuses = (): LimitStatus[] => limits.map((spec, i) => meter.status(states[i]!, spec, now));

    if (limits.some((spec) => cost > meter.capacity(spec))) {
      return { allowed: false, nowMs: now, retryAfterMs: longestWindow(limits), limits: statuses() };
    }
    let retryAfterMs = 0;
    limits.forEach((spec, i) => {
      if (!meter.fits(states[i]!, spec, cost, now)) {
        retryAfterMs = Math.max(retryAfterMs, meter.retryAfterMs(states[i]!, spec, cost, now));
      }
    });
    if (retryAfterMs > 0) return { allowed: false, nowMs: now, retryAfterMs, limits: statuses() };

    if (cost > 0) {
      limits.forEach((spec, i) => {
        meter.take(states[i]!, spec, cost, now);
        this.save(keys[i]!, states[i]!);
      });
    }
    return { allowed: true, nowMs: now, retryAfterMs: 0, limits: statuses() };
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

function longestWindow(limits: readonly LimitSpec[]): number {
  return limits.reduce((longest, spec) => Math.max(longest, spec.windowMs), 0);
}
