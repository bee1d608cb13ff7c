import { type Algorithm, type LimitSpec, MAX_LIMITS, type Penalty } from '../algorithms.js';
import { limitKey } from './store-key.js';

/**
 * Who and what a store operation is about: one caller under one policy.
 *
 * @publicApi
 */
export interface StoreTarget {
  /**
   * The caller's base key, already safe to use as-is (see `store-key.ts`: it is a hash carrying a
   * Redis Cluster hash tag). Stores derive one key per limit from it with `limitKey()`, and the
   * penalty's with `penaltyKey()`.
   */
  readonly key: string;
  /** The policy's algorithm: which counters the key's limits hold. */
  readonly algorithm: Algorithm;
  /**
   * 1 to MAX_LIMITS limits, no two with the same windowMs (unless `limitKeys` tells their keys
   * apart). All are enforced together. `concurrency` takes exactly one: `{ limit: slots, windowMs:
   * leaseMs }`.
   */
  readonly limits: readonly LimitSpec[];
  /**
   * The key of each limit, in `limits` order, instead of the ones derived from `key`: one consume
   * over the limits of several callers or rules, all or nothing (`RateLimiter.consumeAll`). Every
   * key must carry `key`'s hash tag (one Redis Cluster slot) and differ from the others. Unset: the
   * keys are `limitKey(key, algorithm, windowMs)`.
   */
  readonly limitKeys?: readonly string[];
}

/**
 * What a store is asked: consume `cost` units of every limit of one caller, atomically.
 *
 * @publicApi
 */
export interface ConsumeRequest extends StoreTarget {
  /**
   * Units to take, an integer >= 0. 0 reports the current state and consumes nothing. A denied
   * request consumes nothing from any limit. `concurrency`: any cost >= 1 acquires one slot (a
   * request is in flight or not).
   */
  readonly cost: number;
  /**
   * Blocks the caller after a refusal (never for `concurrency`). Undefined: the store does exactly
   * what it does without penalties (no penalty key is read).
   */
  readonly penalty?: Penalty;
}

/** The state of one limit after a consume. */
export interface LimitStatus {
  /** The limit's `limit` (units per window; `concurrency`: slots). */
  readonly limit: number;
  /** The limit's `windowMs`. */
  readonly windowMs: number;
  /** Units still available right now (integer, >= 0). `concurrency`: free slots. */
  readonly remaining: number;
  /**
   * Milliseconds until this limit's usage has fully drained (the quota is whole again).
   * `concurrency`: until the newest lease expires, if nothing is released before.
   */
  readonly resetMs: number;
}

/**
 * A store's answer. Being over the limit is a result; a store failure is a thrown error.
 *
 * @publicApi
 */
export interface ConsumeResult {
  /** Whether the cost fitted every limit (and no penalty blocks the caller). */
  readonly allowed: boolean;
  /** The store's clock (Redis `TIME` for Redis) in epoch ms, so callers never trust their own. */
  readonly nowMs: number;
  /**
   * 0 when allowed. When denied: milliseconds until the same cost could be allowed. When the cost
   * can never fit (it exceeds a limit's capacity), the largest windowMs among the limits.
   * Blocked by a penalty: the block's remaining time (or the limits' own wait when longer).
   * `concurrency`: until the oldest lease expires, at most `CONCURRENCY_MAX_RETRY_MS` (a slot may
   * free at any moment, so no longer wait is honest).
   */
  readonly retryAfterMs: number;
  /** One entry per requested limit, in request order. */
  readonly limits: readonly LimitStatus[];
  /**
   * Only with a penalty, while the caller is blocked (including by this very refusal): the store
   * clock's epoch ms at which the block ends. A cost-0 report states it too (and is still allowed).
   */
  readonly blockedUntil?: number;
  /** `concurrency`, allowed with cost >= 1: the lease now held; give it to `release()`. */
  readonly leaseId?: string;
}

/**
 * Frees the slot a `concurrency` consume leased.
 *
 * @publicApi
 */
export interface ReleaseRequest extends StoreTarget {
  /** The `leaseId` the consume returned. */
  readonly leaseId: string;
}

/**
 * Gives back units an allowed consume took.
 *
 * @publicApi
 */
export interface RefundRequest extends StoreTarget {
  /** Units to give back, an integer >= 0 (at most what the consume took: the store cannot tell). */
  readonly cost: number;
  /** The `nowMs` the consume reported: which window the units were taken from. */
  readonly consumedAtMs: number;
}

/**
 * A refused concurrency acquire waits at most this long before retrying: the time until the oldest
 * lease expires is an upper bound, but any in-flight request may finish sooner.
 */
export const CONCURRENCY_MAX_RETRY_MS = 1_000;

/**
 * The storage port. Implementations: `RedisRateLimitStore` (distributed) and
 * `MemoryRateLimitStore` (one process). Both pass `describeStoreContract`.
 *
 * The interface and its DI token share one name, as `@nestjs/throttler` does with its storage.
 *
 * @publicApi
 */
export interface RateLimitStore {
  /** Takes `cost` units of every limit of the caller, or none if any would be exceeded (atomically). */
  consume(request: ConsumeRequest): Promise<ConsumeResult>;
  /**
   * Optional, for a store that decides in process without I/O: `consume`, answered synchronously
   * (same semantics; a failure is thrown). The limiter calls it instead of `consume` when present,
   * which saves a promise and a microtask per decision.
   */
  consumeNow?(request: ConsumeRequest): ConsumeResult;
  /**
   * Frees a `concurrency` lease. Idempotent: an expired, unknown or already released lease (and any
   * other algorithm) is a no-op. Resolves true only when a live lease was freed, so a caller can
   * count leases that expired before their request finished (a lease too short for the route).
   */
  release(request: ReleaseRequest): Promise<boolean>;
  /**
   * Gives back `cost` units taken at `consumedAtMs`, atomically, never below zero usage and never
   * into a window that is gone:
   * - fixed_window: that window's counter, while it is still the current window;
   * - sliding_window: the window the units were taken from, the current or the previous one;
   * - sliding_log: up to `cost` entries logged at `consumedAtMs`, while they are in the window;
   * - token_bucket: `cost` tokens back, up to the capacity;
   * - gcra: the TAT back by `cost` emission intervals, not before now;
   * - concurrency: nothing (use `release`).
   */
  refund(request: RefundRequest): Promise<void>;
  /**
   * Forgets the caller under this policy: deletes every limit's key and the penalty (a block in
   * force ends), and for `concurrency` every lease. Keys of limits or algorithms the policy no
   * longer has are left to expire.
   */
  reset(request: StoreTarget): Promise<void>;
  /** Resolves when the store answers; rejects otherwise. Used by health checks. */
  ping(): Promise<void>;
  /** Releases connections and timers. Idempotent. */
  close(): Promise<void>;
}
export const RateLimitStore = Symbol('RateLimitStore');

/**
 * Every store's check of a request's limits: 1 to MAX_LIMITS, exactly 1 for concurrency, and one
 * key per limit when `limitKeys` names them. Their number.
 */
export function checkLimits({ algorithm, limits, limitKeys }: StoreTarget): number {
  const n = limits.length;
  if (n < 1 || n > MAX_LIMITS) throw new Error(`A consume takes 1 to ${MAX_LIMITS} limits, got ${n}`);
  if (algorithm === 'concurrency' && n !== 1) throw new Error(`A concurrency limit is exactly 1 limit, got ${n}`);
  if (limitKeys !== undefined && limitKeys.length !== n) {
    throw new Error(`limitKeys names ${limitKeys.length} keys for ${n} limits`);
  }
  return n;
}

/** The store key of limit `i` of `target`: the one `limitKeys` names, else the one derived from `key`. */
export function limitKeyOf(target: StoreTarget, i: number): string {
  return target.limitKeys?.[i] ?? limitKey(target.key, target.algorithm, target.limits[i]!.windowMs);
}
