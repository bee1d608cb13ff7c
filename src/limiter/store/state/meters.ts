import type { LimitSpec, RateAlgorithm } from '../../algorithms.js';
import type { LimitStatus } from '../rate-limit.store.js';

/**
 * Float slack for GCRA, whose emission interval (windowMs / limit) is rarely an integer: waiting
 * exactly the announced `retryAfterMs` must always fit.
 */
const EPSILON = 1e-9;

/** What every stored state carries: when it becomes the same as no state at all (fully drained). */
export interface MeterState {
  expiresAt: number;
}

/**
 * One algorithm over one limit of one caller, in process memory. A consume loads (and brings to
 * `now`) the state of every limit first, and only takes from them when every one fits, so the
 * methods are split along those steps. Loading mutates a stored state in place: bringing a state
 * forward in time never changes what it means.
 */
export interface Meter<S extends MeterState> {
  /** The most a single request may take: `limit`, or `burst ?? limit` where bursts apply. */
  capacity(spec: LimitSpec): number;
  /** The state as of `now`; a fresh one (not yet stored) when there is none. */
  load(state: S | undefined, spec: LimitSpec, now: number): S;
  fits(state: S, spec: LimitSpec, cost: number, now: number): boolean;
  /** Only asked when `cost` does not fit but is within capacity: ms until it would. */
  retryAfterMs(state: S, spec: LimitSpec, cost: number, now: number): number;
  take(state: S, spec: LimitSpec, cost: number, now: number): void;
  /**
   * Gives back `cost` units taken at `consumedAt` (see `RateLimitStore.refund`) from a state loaded
   * as of `now`; true when any came back.
   */
  refund(state: S, spec: LimitSpec, cost: number, consumedAt: number, now: number): boolean;
  status(state: S, spec: LimitSpec, now: number): LimitStatus;
}

const windowStart = (now: number, windowMs: number) => now - (now % windowMs);
const atLeastOne = (ms: number) => Math.max(1, Math.ceil(ms));
const remainingOf = (units: number) => Math.max(0, Math.floor(units + EPSILON));

interface SlidingWindowState extends MeterState {
  start: number;
  current: number;
  previous: number;
}

/**
 * Two epoch-aligned counters; the previous window weighs as much of itself as is still in view.
 * Usage is compared scaled by windowMs, so the arithmetic stays in exact integers (as in Lua).
 */
const slidingWindow: Meter<SlidingWindowState> = {
  capacity: (spec) => spec.limit,
  load(state, { windowMs }, now) {
    const start = windowStart(now, windowMs);
    if (state === undefined) return { start, current: 0, previous: 0, expiresAt: 0 };
    // A state ahead of `now` (the clock stepped back) is kept as it is rather than forgotten.
    if (state.start === start - windowMs) {
      state.previous = state.current;
      state.current = 0;
      state.start = start;
    } else if (state.start < start) {
      state.previous = 0;
      state.current = 0;
      state.start = start;
    }
    return state;
  },
  fits: (state, spec, cost, now) => scaledUse(state, spec, now) + cost * spec.windowMs <= spec.limit * spec.windowMs,
  retryAfterMs({ start, previous, current }, { limit, windowMs }, cost, now) {
    // Later in this window, once enough of the previous window has slid out, or else in the next
    // one, where what is counted now becomes the previous window and slides out in turn.
    const fitsAt =
      current + cost <= limit
        ? start + windowMs - Math.floor(((limit - current - cost) * windowMs) / previous)
        : start + 2 * windowMs - Math.floor(((limit - cost) * windowMs) / current);
    return atLeastOne(fitsAt - now);
  },
  take(state, { windowMs }, cost) {
    state.current += cost;
    state.expiresAt = state.start + 2 * windowMs;
  },
  refund(state, { windowMs }, cost, consumedAt) {
    // Loaded, so `start` is the current window: the units went into it or into the previous one.
    const taken = windowStart(consumedAt, windowMs);
    if (taken === state.start && state.current > 0) state.current = Math.max(0, state.current - cost);
    else if (taken === state.start - windowMs && state.previous > 0)
      state.previous = Math.max(0, state.previous - cost);
    else return false;
    return true;
  },
  status(state, spec, now) {
    const { limit, windowMs } = spec;
    const remaining = Math.max(0, Math.floor((limit * windowMs - scaledUse(state, spec, now)) / windowMs));
    let resetMs = 0;
    if (state.current > 0) resetMs = state.start + 2 * windowMs - now;
    else if (state.previous > 0) resetMs = state.start + windowMs - now;
    return { limit, windowMs, remaining, resetMs: Math.max(0, resetMs) };
  },
};

/** prev * (1 - elapsed / W) + cur, times W. */
function scaledUse({ start, previous, current }: SlidingWindowState, { windowMs }: LimitSpec, now: number): number {
  const elapsed = Math.min(windowMs, Math.max(0, now - start));
  return previous * (windowMs - elapsed) + current * windowMs;
}

interface SlidingLogState extends MeterState {
  /** One timestamp per unit taken, oldest first. */
  stamps: number[];
}

/** Every unit's timestamp; a unit counts while it is younger than the window. */
const slidingLog: Meter<SlidingLogState> = {
  capacity: (spec) => spec.limit,
  load(state, { windowMs }, now) {
    if (state === undefined) return { stamps: [], expiresAt: 0 };
    const { stamps } = state;
    let expired = 0;
    while (expired < stamps.length && stamps[expired]! <= now - windowMs) expired++;
    if (expired > 0) stamps.splice(0, expired);
    return state;
  },
  fits: (state, { limit }, cost) => state.stamps.length + cost <= limit,
  retryAfterMs(state, { limit, windowMs }, cost, now) {
    // The request fits once this many of the oldest units have expired.
    const mustExpire = state.stamps.length + cost - limit;
    return atLeastOne(state.stamps[mustExpire - 1]! + windowMs - now);
  },
  take(state, { windowMs }, cost, now) {
    for (let i = 0; i < cost; i++) state.stamps.push(now);
    state.expiresAt = now + windowMs;
  },
  refund({ stamps }, { windowMs }, cost, consumedAt, now) {
    if (consumedAt <= now - windowMs) return false;
    const first = stamps.indexOf(consumedAt);
    if (first < 0) return false;
    let last = first;
    while (last < stamps.length && stamps[last] === consumedAt && last - first < cost) last++;
    stamps.splice(first, last - first);
    return true;
  },
  status({ stamps }, { limit, windowMs }, now) {
    const resetMs = stamps.length > 0 ? stamps[stamps.length - 1]! + windowMs - now : 0;
    return { limit, windowMs, remaining: Math.max(0, limit - stamps.length), resetMs: Math.max(0, resetMs) };
  },
};

interface TokenBucketState extends MeterState {
  /**
   * Units in use, not tokens left (it drains at limit/windowMs, so a changed limit keeps what was
   * used), scaled by windowMs so that draining `limit` per ms stays in exact integers (as in Lua).
   */
  level: number;
  at: number;
}

const bucketCapacity = (spec: LimitSpec) => spec.burst ?? spec.limit;

/** A bucket of `burst ?? limit` that refills continuously at `limit` per `windowMs`. */
const tokenBucket: Meter<TokenBucketState> = {
  capacity: bucketCapacity,
  load(state, { limit }, now) {
    if (state === undefined) return { level: 0, at: now, expiresAt: 0 };
    if (now > state.at) {
      state.level = Math.max(0, state.level - (now - state.at) * limit);
      state.at = now;
    }
    return state;
  },
  fits: (state, spec, cost) => state.level + (cost - bucketCapacity(spec)) * spec.windowMs <= 0,
  retryAfterMs: (state, spec, cost) =>
    atLeastOne((state.level + (cost - bucketCapacity(spec)) * spec.windowMs) / spec.limit),
  take(state, { limit, windowMs }, cost, now) {
    state.level += cost * windowMs;
    state.expiresAt = now + Math.ceil(state.level / limit);
  },
  refund(state, { limit, windowMs }, cost, _consumedAt, now) {
    // Loaded, so the level is as of now: what has refilled since cannot come back twice.
    if (limit < 1 || state.level <= 0) return false;
    state.level = Math.max(0, state.level - cost * windowMs);
    state.expiresAt = now + Math.ceil(state.level / limit);
    return true;
  },
  status(state, spec) {
    const { limit, windowMs } = spec;
    return {
      limit,
      windowMs,
      remaining: Math.max(0, Math.floor((bucketCapacity(spec) * windowMs - state.level) / windowMs)),
      resetMs: Math.ceil(state.level / limit),
    };
  },
};

interface FixedWindowState extends MeterState {
  start: number;
  count: number;
}

/** One counter per epoch-aligned window. */
const fixedWindow: Meter<FixedWindowState> = {
  capacity: (spec) => spec.limit,
  load(state, { windowMs }, now) {
    const start = windowStart(now, windowMs);
    if (state === undefined) return { start, count: 0, expiresAt: 0 };
    if (state.start < start) {
      state.start = start;
      state.count = 0;
    }
    return state;
  },
  fits: (state, { limit }, cost) => state.count + cost <= limit,
  retryAfterMs: (state, { windowMs }, _cost, now) => atLeastOne(state.start + windowMs - now),
  take(state, { windowMs }, cost) {
    state.count += cost;
    state.expiresAt = state.start + windowMs;
  },
  refund(state, { windowMs }, cost, consumedAt) {
    // Loaded, so `start` is the current window; a past one is gone, and so are its units.
    if (windowStart(consumedAt, windowMs) !== state.start || state.count <= 0) return false;
    state.count = Math.max(0, state.count - cost);
    return true;
  },
  status({ start, count }, { limit, windowMs }, now) {
    const resetMs = count > 0 ? Math.max(0, start + windowMs - now) : 0;
    return { limit, windowMs, remaining: Math.max(0, limit - count), resetMs };
  },
};

interface GcraState extends MeterState {
  /** Theoretical arrival time: when the caller's usage will have fully drained. */
  tat: number;
}

const emissionInterval = (spec: LimitSpec) => spec.windowMs / spec.limit;
const tolerance = (spec: LimitSpec) => bucketCapacity(spec) * emissionInterval(spec);

/** Generic cell rate: one unit every windowMs/limit, with `burst ?? limit` units of tolerance. */
const gcra: Meter<GcraState> = {
  capacity: bucketCapacity,
  load(state, _spec, now) {
    if (state === undefined) return { tat: now, expiresAt: 0 };
    state.tat = Math.max(state.tat, now);
    return state;
  },
  fits: (state, spec, cost, now) => state.tat + cost * emissionInterval(spec) - now <= tolerance(spec) + EPSILON,
  retryAfterMs: (state, spec, cost, now) =>
    atLeastOne(state.tat + cost * emissionInterval(spec) - tolerance(spec) - now),
  take(state, spec, cost) {
    state.tat += cost * emissionInterval(spec);
    state.expiresAt = Math.ceil(state.tat);
  },
  refund(state, spec, cost, _consumedAt, now) {
    if (spec.limit < 1 || state.tat <= now) return false;
    state.tat = Math.max(now, state.tat - cost * emissionInterval(spec));
    state.expiresAt = Math.ceil(state.tat);
    return true;
  },
  status({ tat }, spec, now) {
    const { limit, windowMs } = spec;
    const remaining = remainingOf((tolerance(spec) - (tat - now)) / emissionInterval(spec));
    return { limit, windowMs, remaining, resetMs: Math.max(0, Math.ceil(tat - now)) };
  },
};

/** The in-memory implementation of each rate algorithm (same semantics as the Redis scripts). */
export const METERS: Readonly<Record<RateAlgorithm, Meter<MeterState>>> = {
  sliding_window: slidingWindow,
  sliding_log: slidingLog,
  token_bucket: tokenBucket,
  fixed_window: fixedWindow,
  gcra,
};
