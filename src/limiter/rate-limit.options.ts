import type { ExecutionContext } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { Algorithm, LimitSpec } from './algorithms.js';
import type { FailMode } from './rate-limiter.js';
import type { RateLimitStore } from './store/rate-limit.store.js';

/** Who a request counts against. A function receives the execution context and returns any string. */
export type KeyKind = 'ip' | 'user' | 'apiKey';
export type KeySource = KeyKind | ((context: ExecutionContext) => string);

/**
 * Options of `@RateLimit()` (and of the module's `default`).
 *
 * @example
 * \@RateLimit({ limit: 100, windowMs: 60_000 })                       // 100 per minute per IP
 * \@RateLimit({ limits: [{ limit: 10, windowMs: 1_000 }, { limit: 300, windowMs: 3_600_000 }], key: 'user' })
 */
export interface RateLimitOptions {
  /** With `windowMs`: a single limit. Use `limits` for several. */
  limit?: number;
  windowMs?: number;
  /** Up to 5 limits, all enforced atomically (if any would be exceeded nothing is consumed). */
  limits?: LimitSpec[];
  /** Default `sliding_window`. */
  algorithm?: Algorithm;
  /** Default `ip`. */
  key?: KeySource;
  /** Units one request takes (integer >= 0; default 1). 0 reports without consuming. */
  cost?: number | ((context: ExecutionContext) => number);
  /** The counters' namespace and the name admin rules target. Default `"METHOD /route/path"`. */
  name?: string;
  /** Decide, log and count, but let the request through. */
  shadow?: boolean;
}

/** Which rate-limit response headers to emit. */
export interface HeaderOptions {
  /** `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds until reset). Default true. */
  legacy?: boolean;
  /** IETF `RateLimit-Policy` / `RateLimit` headers, by draft. Default `'draft-10'`; false disables. */
  ietf?: 'draft-10' | false;
}

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
  /** Circuit breaker around the store. */
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
  headers?: HeaderOptions;
}
