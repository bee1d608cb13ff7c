import { LeaseIds } from './lease-ids.js';
import {
  checkLimits,
  type ConsumeRequest,
  type ConsumeResult,
  type RateLimitStore,
  type RefundRequest,
  type ReleaseRequest,
  type StoreTarget,
  limitKeyOf,
} from './rate-limit.store.js';
import type { LeaseState } from './state/leases.js';
import type { MeterState } from './state/meters.js';
import { acquireLease, consumeStates, refundStates, releaseLease } from './state/operations.js';
import type { PenaltyState } from './state/penalties.js';
import { penaltyKey } from './store-key.js';

/**
 * A key's stored state. Store it as it is given (plain objects, arrays, numbers and `Map`s: what
 * `structuredClone` or `v8.serialize` round-trip) and keep it at least until `expiresAt` (epoch ms
 * on the store's clock); past that it reads as drained, so the store may drop it.
 *
 * @publicApi
 */
export interface StoredState {
  /** When the state becomes the same as none at all (fully drained), epoch ms. */
  expiresAt: number;
}

/**
 * What an update makes of the keys it read: the operation's answer, and per key (in the order
 * given) the state to store, `null` to delete the key, or `undefined` to leave it as it is.
 *
 * @publicApi
 */
export interface StateUpdate<R> {
  /** What `transact` resolves with. */
  readonly result: R;
  /** Per key read: the state to store, `null` to delete the key, `undefined` (or missing) to keep it. */
  readonly states: readonly (StoredState | null | undefined)[];
}

/**
 * A `RateLimitStore` for a storage of your own, which writes only one operation: an atomic
 * read-modify-write of a few keys (`transact`), plus `ping`. This class does the rest as the
 * built-in stores do and as the contract suite checks: request validation, every algorithm,
 * all-or-nothing limits, penalties (blocks that lengthen with repeat offences), concurrency leases,
 * refunds and resets.
 *
 * A store that can decide in one round trip (as the Redis store's Lua scripts do) implements
 * `RateLimitStore` itself; this is the short way to a correct one.
 *
 * @example
 * class PostgresRateLimitStore extends BaseRateLimitStore {
 *   // BEGIN; SELECT ... FOR UPDATE the keys; update(states, now()); write; COMMIT
 *   protected async transact<R>(keys, update) { ... }
 *   async ping() { await this.pool.query('SELECT 1'); }
 * }
 *
 * @publicApi
 */
export abstract class BaseRateLimitStore implements RateLimitStore {
  private readonly leaseIds = new LeaseIds();
  private readonly nextLeaseId = () => this.leaseIds.next();

  /**
   * Reads the states of `keys` (undefined where none is stored), calls `update` with them and the
   * store's clock (epoch ms, the same for every node: the database's time, not the process's), and
   * stores what it returns, atomically: no other update of any of these keys in between, from any
   * process. Resolves with the update's `result`. An optimistic store may call `update` again after
   * a conflict: only the last call counts, and each is given freshly read states.
   *
   * The keys of one call share the caller's base key (`StoreTarget.key`, which carries a Redis
   * Cluster hash tag), so a store sharded by that key keeps them together. A failure is thrown.
   */
  protected abstract transact<R>(
    keys: readonly string[],
    update: (states: (StoredState | undefined)[], nowMs: number) => StateUpdate<R>,
  ): Promise<R>;

  /** Resolves when the storage answers; rejects otherwise (health checks). */
  abstract ping(): Promise<void>;

  /** Releases connections and timers; nothing by default. */
  async close(): Promise<void> {}

  async consume(request: ConsumeRequest): Promise<ConsumeResult> {
    const { key, algorithm, limits, cost, penalty } = request;
    checkLimits(request);
    checkUnits('cost', cost);
    if (algorithm === 'concurrency') {
      return this.transact([limitKeyOf(request, 0)], ([stored], now) => {
        const { result, state } = acquireLease(
          stored as LeaseState | undefined,
          limits[0]!,
          cost,
          now,
          this.nextLeaseId,
        );
        return { result, states: [state] };
      });
    }
    const keys = limits.map((_, i) => limitKeyOf(request, i));
    if (penalty !== undefined) keys.push(penaltyKey(key));
    return this.transact(keys, (stored, now) => {
      const penaltyState = penalty === undefined ? undefined : (stored[limits.length] as PenaltyState | undefined);
      const outcome = consumeStates(request, stored as (MeterState | undefined)[], penaltyState, now);
      const states: (StoredState | undefined)[] = outcome.taken ? [...outcome.states] : [];
      if (outcome.started !== undefined) states[limits.length] = outcome.started;
      return { result: outcome.result, states };
    });
  }

  async release(request: ReleaseRequest): Promise<boolean> {
    const { algorithm, leaseId } = request;
    if (algorithm !== 'concurrency') return false;
    checkLimits(request);
    if (typeof leaseId !== 'string' || leaseId === '')
      throw new Error('A release needs the leaseId its consume returned');
    return this.transact([limitKeyOf(request, 0)], ([stored], now) => {
      if (stored === undefined) return { result: false, states: [] };
      const { released, state } = releaseLease(stored as LeaseState, leaseId, now);
      return { result: released, states: [state ?? null] };
    });
  }

  async refund(request: RefundRequest): Promise<void> {
    const { algorithm, limits, cost, consumedAtMs } = request;
    checkLimits(request);
    checkUnits('cost', cost);
    checkUnits('consumedAtMs', consumedAtMs);
    if (algorithm === 'concurrency' || cost === 0) return;
    const keys = limits.map((_, i) => limitKeyOf(request, i));
    await this.transact(keys, (stored, now) => {
      refundStates(request, stored as (MeterState | undefined)[], now);
      return { result: undefined, states: stored };
    });
  }

  async reset(target: StoreTarget): Promise<void> {
    checkLimits(target);
    const keys = [...target.limits.map((_, i) => limitKeyOf(target, i)), penaltyKey(target.key)];
    await this.transact(keys, () => ({ result: undefined, states: keys.map(() => null) }));
  }
}

/** A count of units or a time: an integer >= 0, which the states' arithmetic relies on. */
function checkUnits(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be an integer >= 0, got ${String(value)}`);
}
