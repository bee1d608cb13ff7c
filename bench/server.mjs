// One benchmark target per process, so the load generator never shares an event loop with it.
// Usage: node bench/server.mjs <target> <mode> <keys> <port> [redisUrl]   (bench/throughput.mjs forks it)
//   target: baseline | floodgate-redis | floodgate-redis-no-headers | floodgate-memory | throttler-redis |
//           throttler-memory | rlf-redis | rlf-redis-headers | headers-only | refusal-only | bare-post
//   mode:   allow (the limit is never reached) | block (1 per hour: every request after the first is refused)
//   keys:   one (per client IP, as each library does by default: the load generator has one IP) |
//           many (per the `x-client` header, which the load generator varies)
// Every target answers GET /hello with {hello:'world'}, on NestJS + Fastify, logger off (bare-post
// answers POST /v1/check instead: what the service's decision API is compared with). Each
// library is set up the way its README shows, with its defaults; a target imports only its own
// library, so the others' modules cost it nothing.
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Module, Post } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const [target, mode, keys, port, redisUrl] = process.argv.slice(2);
const LIMITS = {
  allow: { limit: 1_000_000_000, windowMs: 60_000 },
  block: { limit: 1, windowMs: 3_600_000 },
};
const { limit, windowMs } = LIMITS[mode] ?? {};
if (limit === undefined || !['one', 'many'].includes(keys)) throw new Error(`usage: ${process.argv.join(' ')}`);

/** The client key of a request in `many` mode. */
const clientHeader = (request) => request.headers['x-client'];

/** `moduleOptions` beyond the store: the one target that sets any turns the rate-limit headers off. */
async function floodgate(store, moduleOptions = {}) {
  const { RateLimit, RateLimitModule } = await import('floodgate/limiter');
  const options = { limit, windowMs, name: 'bench' };
  if (keys === 'many') options.key = (context) => clientHeader(context.switchToHttp().getRequest());
  return {
    imports: [RateLimitModule.forRoot({ ...(store === 'redis' ? { redis: redisUrl } : {}), ...moduleOptions })],
    routeDecorators: [RateLimit(options)],
  };
}

async function throttler(store) {
  const { ThrottlerGuard, ThrottlerModule } = await import('@nestjs/throttler');
  const options = { throttlers: [{ limit, ttl: windowMs }] };
  if (keys === 'many') options.getTracker = clientHeader;
  if (store === 'redis') {
    const { ThrottlerStorageRedisService } = await import('@nest-lab/throttler-storage-redis');
    const { Redis } = await import('ioredis');
    options.storage = new ThrottlerStorageRedisService(new Redis(redisUrl));
  }
  return { imports: [ThrottlerModule.forRoot(options)], providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }] };
}

/**
 * The rate-limit headers Floodgate's contract puts on every response of a limited route (legacy
 * and IETF draft 10), from a remaining count and the seconds until the quota is whole. Spelled here
 * rather than with Floodgate's `rateLimitHeaders()`: the targets that use it must not load Floodgate.
 */
const POLICY_HEADER = `"bench";q=${limit};w=${Math.ceil(windowMs / 1000)}`;
function setContractHeaders(reply, remaining, resetSeconds) {
  reply.header('X-RateLimit-Limit', String(limit));
  reply.header('X-RateLimit-Remaining', String(remaining));
  reply.header('X-RateLimit-Reset', String(resetSeconds));
  reply.header('RateLimit-Policy', POLICY_HEADER);
  reply.header('RateLimit', `"bench";r=${remaining};t=${resetSeconds}`);
}

/**
 * A guard as a rate-limiter-flexible user writes one: 1 point per request, 429 when refused. With
 * `headers`, it also sets the headers Floodgate sends, from the limiter's result (its README shows
 * how), and Retry-After on a refusal.
 */
class RateLimiterFlexibleGuard {
  constructor(limiter, keyOf, headers) {
    this.limiter = limiter;
    this.keyOf = keyOf;
    this.headers = headers;
  }

  async canActivate(context) {
    const http = context.switchToHttp();
    let result;
    let refused = false;
    try {
      result = await this.limiter.consume(this.keyOf(http.getRequest()));
    } catch (rejection) {
      // The limiter rejects with an Error when Redis fails, with its result when over the limit.
      if (rejection instanceof Error) throw rejection;
      result = rejection;
      refused = true;
    }
    if (this.headers) {
      const reply = http.getResponse();
      const resetSeconds = Math.max(refused ? 1 : 0, Math.ceil(result.msBeforeNext / 1000));
      setContractHeaders(reply, result.remainingPoints, resetSeconds);
      if (refused) reply.header('Retry-After', String(resetSeconds));
    }
    if (refused) throw new HttpException('Too Many Requests', HttpStatus.TOO_MANY_REQUESTS);
    return true;
  }
}

async function rateLimiterFlexible(headers = false) {
  const { RateLimiterRedis } = await import('rate-limiter-flexible');
  const { Redis } = await import('ioredis');
  const limiter = new RateLimiterRedis({ storeClient: new Redis(redisUrl), points: limit, duration: windowMs / 1000 });
  const keyOf = keys === 'many' ? clientHeader : (request) => request.ip;
  return { providers: [{ provide: APP_GUARD, useValue: new RateLimiterFlexibleGuard(limiter, keyOf, headers) }] };
}

/**
 * The ceilings: guards that decide nothing and only answer as Floodgate must (a limiter's guard
 * held to that contract does as much, and decides as well). `headers-only` sets the five headers
 * (fixed values) and lets every request through; `refusal-only` lets the first request through, as
 * block mode expects, and refuses every later one with a 429 (the headers, Retry-After, the body),
 * built without a stack trace as Floodgate builds its own.
 */
class HeadersOnlyGuard {
  async canActivate(context) {
    setContractHeaders(context.switchToHttp().getResponse(), limit - 1, Math.ceil(windowMs / 1000));
    return true;
  }
}

class RefusalOnlyGuard {
  allowedOne = false;

  async canActivate(context) {
    const reply = context.switchToHttp().getResponse();
    const resetSeconds = Math.ceil(windowMs / 1000);
    setContractHeaders(reply, this.allowedOne ? 0 : limit - 1, resetSeconds);
    if (!this.allowedOne) {
      this.allowedOne = true;
      return true;
    }
    reply.header('Retry-After', String(resetSeconds));
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const message = `Rate limit exceeded; retry in ${resetSeconds} s`;
      const body = { statusCode: 429, error: 'Too Many Requests', message, retryAfterMs: windowMs, rule: 'bench' };
      throw new HttpException(body, HttpStatus.TOO_MANY_REQUESTS);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}

const guard = (instance) => async () => ({ providers: [{ provide: APP_GUARD, useValue: instance }] });

const TARGETS = {
  baseline: async () => ({}),
  'bare-post': async () => ({}),
  'floodgate-redis': () => floodgate('redis'),
  // Not how Floodgate ships (its responses carry five rate-limit headers, which the peers do not
  // set): what the headers cost, measured beside the rest.
  'floodgate-redis-no-headers': () => floodgate('redis', { headers: { legacy: false, ietf: false } }),
  'floodgate-memory': () => floodgate('memory'),
  'throttler-redis': () => throttler('redis'),
  'throttler-memory': () => throttler('memory'),
  'rlf-redis': () => rateLimiterFlexible(),
  'rlf-redis-headers': () => rateLimiterFlexible(true),
  'headers-only': guard(new HeadersOnlyGuard()),
  'refusal-only': guard(new RefusalOnlyGuard()),
};
if (!TARGETS[target]) throw new Error(`unknown target ${target}`);
const { imports = [], providers = [], routeDecorators = [] } = await TARGETS[target]();

// Plain JavaScript has no decorator syntax: they are applied as the TypeScript compiler would.
class HelloController {
  hello() {
    return { hello: 'world' };
  }

  /** Parses the body as /v1/check does (Nest's body pipe, Fastify's JSON parser), decides nothing. */
  check(body) {
    return { allowed: true, limit, remaining: limit - 1, resetAt: 0, retryAfterMs: 0, rule: body.resource };
  }
}
const method = (name) => Object.getOwnPropertyDescriptor(HelloController.prototype, name);
if (target === 'bare-post') {
  for (const decorate of [Post('v1/check'), HttpCode(200)])
    decorate(HelloController.prototype, 'check', method('check'));
  Body()(HelloController.prototype, 'check', 0);
} else {
  for (const decorate of [Get('hello'), ...routeDecorators])
    decorate(HelloController.prototype, 'hello', method('hello'));
}
Controller()(HelloController);

class BenchModule {}
Module({ imports, providers, controllers: [HelloController] })(BenchModule);

const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
app.enableShutdownHooks();
await app.listen(Number(port), '127.0.0.1');
// The parent waits for this rather than polling the port, which another process could hold.
process.send?.('ready');
