import type { LimitSpec } from '../../algorithms.js';
import type { ConsumeRequest, ConsumeResult, LimitStatus, RefundRequest } from '../rate-limit.store.js';
import { leaseStatus, leaseWait, trimLeases, type LeaseState } from './leases.js';
import { METERS, type MeterState } from './meters.js';
import { penalize, type PenaltyState } from './penalties.js';

/**
 * The store operations over states held in process, as the Lua scripts perform them in Redis: the
 * caller reads the states, these decide, the caller stores what they say. The memory store runs
 * them synchronously; `BaseRateLimitStore` inside a store's own atomic read-modify-write.
 */

/** What a rate consume decided over the states it was given. */
export interface ConsumeOutcome {
  readonly result: ConsumeResult;
  /** The limits' states brought to `now` (taken from when `taken`), in request order. */
  readonly states: readonly MeterState[];
  /** Units were taken: `states` are to be stored. */
  readonly taken: boolean;
  /** The block this refusal started, to store under the penalty key. */
  readonly started?: PenaltyState;
}

/**
 * A consume of every limit of a rate algorithm, all or nothing, with the request's penalty (whose
 * stored state is `penaltyState`). `stored[i]` is limit i's state, undefined when there is none.
 * Plain loops, no closures: this is a single-node app's whole decision.
 */
export function consumeStates(
  { algorithm, limits, cost, penalty }: ConsumeRequest,
  stored: readonly (MeterState | undefined)[],
  penaltyState: PenaltyState | undefined,
  now: number,
): ConsumeOutcome {
  const meter = METERS[algorithm as keyof typeof METERS];
  const n = limits.length;
  const states = new Array<MeterState>(n);
  let neverFits = false;
  for (let i = 0; i < n; i++) {
    const spec = limits[i]!;
    states[i] = meter.load(stored[i], spec, now);
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
  let started: PenaltyState | undefined;
  if (penalty !== undefined) {
    ({ retryAfterMs, blockedUntil, started } = penalize(penaltyState, penalty, cost, retryAfterMs, neverFits, now));
  }
  const allowed = retryAfterMs === 0;
  const taken = allowed && cost > 0;
  if (taken) for (let i = 0; i < n; i++) meter.take(states[i]!, limits[i]!, cost, now);
  const statuses = new Array<LimitStatus>(n);
  for (let i = 0; i < n; i++) statuses[i] = meter.status(states[i]!, limits[i]!, now);
  const result: ConsumeResult = { allowed, nowMs: now, retryAfterMs, limits: statuses };
  // No allocation for the common answer: `blockedUntil` only while a block is in force.
  return { result: blockedUntil > 0 ? { ...result, blockedUntil } : result, states, taken, started };
}

/** What a concurrency consume decided. */
export interface AcquireOutcome {
  readonly result: ConsumeResult;
  /** The leases (trimmed, with the new one when acquired); undefined when there are none to keep. */
  readonly state: LeaseState | undefined;
}

/** A concurrency consume: acquires a lease (any cost >= 1 takes one slot) or reports (cost 0). */
export function acquireLease(
  stored: LeaseState | undefined,
  spec: LimitSpec,
  cost: number,
  now: number,
  nextLeaseId: () => string,
): AcquireOutcome {
  let state = stored;
  if (state !== undefined) trimLeases(state, now);
  const refused = cost > 0 && (spec.limit < 1 || (state?.leases.size ?? 0) >= spec.limit);
  if (cost === 0 || refused) {
    const retryAfterMs = !refused ? 0 : spec.limit < 1 ? spec.windowMs : leaseWait(state, now);
    return { result: { allowed: !refused, nowMs: now, retryAfterMs, limits: [leaseStatus(state, spec, now)] }, state };
  }
  state ??= { leases: new Map(), expiresAt: 0 };
  const leaseId = nextLeaseId();
  state.leases.set(leaseId, now + spec.windowMs);
  state.expiresAt = now + spec.windowMs;
  return {
    result: { allowed: true, nowMs: now, retryAfterMs: 0, limits: [leaseStatus(state, spec, now)], leaseId },
    state,
  };
}

/**
 * Frees `leaseId`. `released`: a live lease was freed; `state`: the leases left, undefined when
 * none are (the key is to be deleted).
 */
export function releaseLease(
  stored: LeaseState,
  leaseId: string,
  now: number,
): { released: boolean; state: LeaseState | undefined } {
  const expiry = stored.leases.get(leaseId);
  stored.leases.delete(leaseId);
  trimLeases(stored, now);
  return { released: expiry !== undefined && expiry > now, state: stored.leases.size === 0 ? undefined : stored };
}

/** Gives `cost` units back to each stored limit state in place (see `RateLimitStore.refund`). */
export function refundStates(
  { algorithm, limits, cost, consumedAtMs }: RefundRequest,
  stored: readonly (MeterState | undefined)[],
  now: number,
): void {
  if (algorithm === 'concurrency' || cost === 0) return;
  const meter = METERS[algorithm];
  for (let i = 0; i < limits.length; i++) {
    const state = stored[i];
    if (state !== undefined) meter.refund(meter.load(state, limits[i]!, now), limits[i]!, cost, consumedAtMs, now);
  }
}

function longestWindow(limits: readonly LimitSpec[]): number {
  return limits.reduce((longest, spec) => Math.max(longest, spec.windowMs), 0);
}
