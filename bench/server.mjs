// One benchmark target per process, so the load generator never shares an event loop with it.
// Usage: node bench/server.mjs <target> <mode> <keys> <port> [redisUrl]   (bench/throughput.mjs forks it)
//   target: baseline | floodgate-redis | floodgate-redis-no-headers | floodgate-memory | throttler-redis |
//           throttler-memory | rlf-redis
//   mode:   allow (the limit is never reached) | block (1 per hour: every request after the first is refused)
//   keys:   one (per client IP, as each library does by default: the load generator has one IP) |
//           many (per the `x-client` header, which the load generator varies)
// Every target answers GET /hello with {hello:'world'}, on NestJS + Fastify, logger off. Each
// library is set up the way its README shows, with its defaults; a target imports only its own
// library, so the others' modules cost it nothing.
import 'reflect-metadata';
import { Controller, Get, HttpException, HttpStatus, Module } from '@nestjs/common';
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

/** A guard as a rate-limiter-flexible user writes one: 1 point per request, 429 when refused. */
class RateLimiterFlexibleGuard {
  constructor(limiter, keyOf) {
    this.limiter = limiter;
    this.keyOf = keyOf;
  }

  async canActivate(context) {
    try {
      await this.limiter.consume(this.keyOf(context.switchToHttp().getRequest()));
      return true;
    } catch (rejection) {
      // The limiter rejects with an Error when Redis fails, with its result when over the limit.
      if (rejection instanceof Error) throw rejection;
      throw new HttpException('Too Many Requests', HttpStatus.TOO_MANY_REQUESTS);
    }
  }
}

async function rateLimiterFlexible() {
  const { RateLimiterRedis } = await import('rate-limiter-flexible');
  const { Redis } = await import('ioredis');
  const limiter = new RateLimiterRedis({ storeClient: new Redis(redisUrl), points: limit, duration: windowMs / 1000 });
  const keyOf = keys === 'many' ? clientHeader : (request) => request.ip;
  return { providers: [{ provide: APP_GUARD, useValue: new RateLimiterFlexibleGuard(limiter, keyOf) }] };
}

const TARGETS = {
  baseline: async () => ({}),
  'floodgate-redis': () => floodgate('redis'),
  // Not how Floodgate ships (its responses carry five rate-limit headers, which the peers do not
  // set): what the headers cost, measured beside the rest.
  'floodgate-redis-no-headers': () => floodgate('redis', { headers: { legacy: false, ietf: false } }),
  'floodgate-memory': () => floodgate('memory'),
  'throttler-redis': () => throttler('redis'),
  'throttler-memory': () => throttler('memory'),
  'rlf-redis': rateLimiterFlexible,
};
if (!TARGETS[target]) throw new Error(`unknown target ${target}`);
const { imports = [], providers = [], routeDecorators = [] } = await TARGETS[target]();

// Plain JavaScript has no decorator syntax: they are applied as the TypeScript compiler would.
class HelloController {
  hello() {
    return { hello: 'world' };
  }
}
const descriptor = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello');
for (const decorate of [Get('hello'), ...routeDecorators]) decorate(HelloController.prototype, 'hello', descriptor);
Controller()(HelloController);

class BenchModule {}
Module({ imports, providers, controllers: [HelloController] })(BenchModule);

const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
app.enableShutdownHooks();
await app.listen(Number(port), '127.0.0.1');
// The parent waits for this rather than polling the port, which another process could hold.
process.send?.('ready');
