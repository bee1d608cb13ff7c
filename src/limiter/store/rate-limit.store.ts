import type { Algorithm, LimitSpec } from '../algorithms.js';

/** What a store is asked: consume `cost` units of every limit of one caller, atomically. */
export interface ConsumeRequest {
  /**
   * The caller's base key, already safe to use as-is (see `store-key.ts`: it is a hash carrying a
   * Redis Cluster hash tag). Stores derive one key per limit from it with `limitKey()`.
   */
  readonly key: string;
  readonly algorithm: Algorithm;
  /** 1 to MAX_LIMITS limits, no two with the same windowMs. All are enforced together. */
  readonly limits: readonly LimitSpec[];
  /**
   * Units to take, an integer >= 0. 0 reports the current state and consumes nothing. A denied
   * request consumes nothing from any limit.
   */
  readonly cost: number;
}

/** The state of one limit after a consume. */
export interface LimitStatus {
  readonly limit: number;
  readonly windowMs: number;
  /** Units still available right now (integer, >= 0). */
  readonly remaining: number;
  /** Milliseconds until this limit's usage has fully drained (the quota is whole again). */
  readonly resetMs: number;
}

/** A store's answer. Being over the limit is a result; a store failure is a thrown error. */
export interface ConsumeResult {
  readonly allowed: boolean;
  /** The store's clock (Redis `TIME` for Redis) in epoch ms, so callers never trust their own. */
  readonly nowMs: number;
  /**
   * 0 when allowed. When denied: milliseconds until the same cost could be allowed. When the cost
   * can never fit (it exceeds a limit's capacity), the largest windowMs among the limits.
   */
  readonly retryAfterMs: number;
  /** One entry per requested limit, in request order. */
  readonly limits: readonly LimitStatus[];
}

/**
 * The storage port. Implementations: `RedisRateLimitStore` (distributed) and
 * `MemoryRateLimitStore` (one process). Both pass `describeStoreContract`.
 *
 * The interface and its DI token share one name, as `@nestjs/throttler` does with its storage.
 */
export interface RateLimitStore {
  consume(request: ConsumeRequest): Promise<ConsumeResult>;
  /** Resolves when the store answers; rejects otherwise. Used by health checks. */
  ping(): Promise<void>;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}
export const RateLimitStore = Symbol('RateLimitStore');
