import type { RateLimitDecision } from './decision.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';

interface Denial {
  readonly policy: RateLimitPolicy;
  readonly cost: number;
  /** Local epoch ms until which the same or a larger cost is refused without asking the store. */
  readonly until: number;
  readonly decision: RateLimitDecision;
}

/**
 * Remembers callers known to be over a limit (or blocked by a penalty) until a time T, so that
 * their requests until T are refused from node memory without a store round trip
 * (rate-limiter-flexible's in-memory block).
 *
 * An entry only answers for the same compiled policy object (policies are immutable and swapped
 * whole when a rule changes, so a raised limit never keeps serving stale denials) and for a cost at
 * least as large as the one that was denied (a smaller cost may still fit).
 *
 * Bounded: past `maxEntries` the oldest entry is dropped; expired entries are dropped when read
 * and by `sweep()`. No timer per entry.
 */
export class DenialCache {
  private readonly entries = new Map<string, Denial>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached denial for this caller, with its wait brought up to date, or undefined. */
  get(key: string, policy: RateLimitPolicy, cost: number): RateLimitDecision | undefined {
    const denial = this.entries.get(key);
    if (denial === undefined) return undefined;
    const left = denial.until - this.now();
    if (left <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    if (denial.policy !== policy || cost < denial.cost) return undefined;
    return { ...denial.decision, retryAfterMs: left, resetMs: left, source: 'cache' };
  }

  /**
   * Remembers a refusal until its `retryAfterMs`. A penalty block is remembered whole, for any cost
   * (a blocked caller is refused whatever it asks for). A `concurrency` refusal is not remembered:
   * a slot may free at any moment, so it says nothing about the next request.
   */
  remember(key: string, policy: RateLimitPolicy, cost: number, decision: RateLimitDecision): void {
    if (decision.retryAfterMs <= 0 || policy.algorithm === 'concurrency') return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const refusedFrom = decision.blockedUntil === undefined ? cost : 1;
    this.entries.set(key, { policy, cost: refusedFrom, until: this.now() + decision.retryAfterMs, decision });
  }

  /** Drops the caller's cached denial, if any (after its counters were reset). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops expired entries; call it from a periodic sweep, not per request. */
  sweep(): void {
    const now = this.now();
    for (const [key, denial] of this.entries) if (denial.until <= now) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
