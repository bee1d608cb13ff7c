import type { ExecutionContext } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { Algorithm, LimitSpec } from './algorithms.js';
import type { FailMode } from './decision.js';
import type { RateLimitStore } from './store/rate-limit.store.js';

/**
 * Who a request counts against: `ip` (the client address, IPv6 grouped by `ipv6Subnet`), `user`
 * (`request.user.id ?? request.user.sub`, else the IP) or `apiKey` (the `X-API-Key` header, hashed).
 */
export type KeyKind = 'ip' | 'user' | 'apiKey';
/** A `KeyKind`, or a function of the execution context that returns any string to count against. */
export type KeySource = KeyKind | ((context: ExecutionContext) => string);

/**
 * A progressive penalty: once a request is refused for being over a limit, the caller is refused
 * (consuming nothing) for `min(blockDurationMs * multiplier^(offences - 1), maxBlockMs)`. Each such
 * block is an offence; the count is forgotten once the caller has stayed clean for `decayMs` after
 * its last block ended. Requests made during a block neither extend it nor count as offences.
 *
 * @example
 * { blockDurationMs: 60_000, multiplier: 2, maxBlockMs: 3_600_000 } // 1 min, 2 min, 4 min, ... up to 1 h
 */
export interface PenaltyOptions {
  /** The first block, ms: an integer from 1 to 31 days. */
  blockDurationMs: number;
  /** Each repeat offence multiplies the block by this: an integer from 1 to 100. Default 1 (fixed). */
  multiplier?: number;
  /** How long after a block ends the offences are forgotten, ms. Default 10 x blockDurationMs. */
  decayMs?: number;
  /** The longest block, ms, >= blockDurationMs. Default 24 h (or blockDurationMs if longer). */
  maxBlockMs?: number;
}

/**
 * Which responses a request counts for: `failed` (status >= 400, e.g. login attempts) or
 * `succeeded` (status < 400). Each request takes its unit up front (so a burst cannot slip
 * through while responses are pending) and gets it back when its response turns out not to count.
 */
export type CountOnly = 'failed' | 'succeeded';

/**
 * Options of `@RateLimit()` (and of the module's `default`).
 *
 * @example
 * \@RateLimit({ limit: 100, windowMs: 60_000 })                       // 100 per minute per IP
 * \@RateLimit({ limits: [{ limit: 10, windowMs: 1_000 }, { limit: 300, windowMs: 3_600_000 }], key: 'user' })
 * \@RateLimit({ limit: 5, windowMs: 60_000, key: 'ip', blockDurationMs: 900_000 }) // over 5/min: out for 15 min
 * \@RateLimit({ algorithm: 'concurrency', limit: 3, windowMs: 30_000, key: 'user' }) // 3 in flight, 30 s leases
 *
 * @publicApi
 */
export interface RateLimitOptions {
  /** With `windowMs`: a single limit, at most `limit` units per window. Use `limits` for several. */
  limit?: number;
  /** With `limit`: the window of a single limit, ms. */
  windowMs?: number;
  /** Up to 5 limits, all enforced atomically (if any would be exceeded nothing is consumed). */
  limits?: LimitSpec[];
  /**
   * Default `sliding_window`. `concurrency` caps requests in flight: exactly one limit, `limit`
   * slots, each held until the response is done or for at most `windowMs` (the lease, so a crashed
   * node never keeps a slot; make it longer than the route's own timeout). Its cost is 0 or 1.
   */
  algorithm?: Algorithm;
  /** Who a request counts against: `ip` (default), `user`, `apiKey`, or `(ctx) => string`. */
  key?: KeySource;
  /** Units one request takes (integer >= 0; default 1). 0 reports without consuming. */
  cost?: number | ((context: ExecutionContext) => number);
  /** The counters' namespace and the name admin rules target. Default `"METHOD /route/path"`. */
  name?: string;
  /** Decide, log and count, but let the request through. */
  shadow?: boolean;
  /** Count only failed (status >= 400) or only succeeded responses; default every request. */
  countOnly?: CountOnly;
  /** Once over the limit, stay refused this long (ms): `penalty: { blockDurationMs }` in short. */
  blockDurationMs?: number;
  /** A progressive penalty (repeat offences lengthen the block). Not with `blockDurationMs`. */
  penalty?: PenaltyOptions;
}

/** Which rate-limit response headers to emit. */
export interface HeaderOptions {
  /** `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until reset). Default true. */
  legacy?: boolean;
  /** IETF `RateLimit-Policy` / `RateLimit` headers, by draft. Default `'draft-10'`; false disables. */
  ietf?: 'draft-10' | false;
}

/**
 * Options of `RateLimitModule.forRoot()` (or what the factory of `forRootAsync()` returns).
 *
 * @example
 * RateLimitModule.forRoot({ redis: 'redis://127.0.0.1:6379', default: { limit: 100, windowMs: 60_000 } })
 *
 * @publicApi
 */
export interface RateLimitModuleOptions {
  /** A ready store. Overrides `redis`. */
  store?: RateLimitStore;
  /** Use Redis: a URL (`redis://`, `rediss://`), ioredis options, or a client you own (not closed by us). */
  redis?: string | RedisOptions | Redis | Cluster;
  /** Limit routes that have no `@RateLimit()` with this; without it they are not limited. */
  default?: RateLimitOptions;
  /** `open` (default): a store failure lets requests through; `closed`: refuses them with 503. */
  failMode?: FailMode;
  /** Per-call store timeout in ms. Default 50. */
  timeoutMs?: number;
  /**
   * Circuit breaker around the store: it opens after `consecutiveFailures` failed calls (default 5)
   * and lets one call through again after `halfOpenAfterMs` (default 500).
   */
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
  /**
   * Fail-open insurance: while the store fails, enforce each limit divided by `nodes` in process
   * memory. Default off.
   */
  insurance?: { nodes: number } | false;
  /** Prefix of every store key. Default `fg`. */
  keyPrefix?: string;
  /** IPv6 clients are grouped by this prefix length. Default 64. */
  ipv6Subnet?: number;
  /** Which rate-limit headers to send. Default: the legacy `X-RateLimit-*` ones and IETF draft 10. */
  headers?: HeaderOptions;
}
