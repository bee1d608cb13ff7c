// One benchmark target per process, so the load generator never shares an event loop with it.
// Usage: node bench/server.mjs <variant> <port> [redisUrl]
//   baseline: the route, no limiter at all
//   allow:    the same route with @RateLimit() on Redis, a limit never reached
//   block:    the same route with @RateLimit() on Redis, every request over the limit
//   memory-allow: as allow, on the in-process memory store
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { RateLimit, RateLimitModule } from 'floodgate/limiter';

const [variant, port, redisUrl] = process.argv.slice(2);
const limits = {
  allow: { limit: 1_000_000_000, windowMs: 60_000 },
  'memory-allow': { limit: 1_000_000_000, windowMs: 60_000 },
  block: { limit: 1, windowMs: 3_600_000 },
};

class HelloController {
  hello() {
    return { hello: 'world' };
  }
}
const descriptor = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello');
Get('hello')(HelloController.prototype, 'hello', descriptor);
if (limits[variant])
  RateLimit({ ...limits[variant], name: `bench-${variant}` })(HelloController.prototype, 'hello', descriptor);
Controller()(HelloController);

const imports = [];
if (variant === 'allow' || variant === 'block') {
  imports.push(RateLimitModule.forRoot({ redis: redisUrl, keyPrefix: `bench${process.pid}` }));
} else if (variant === 'memory-allow') {
  imports.push(RateLimitModule.forRoot({}));
} else if (variant !== 'baseline') {
  throw new Error(`unknown variant ${variant}`);
}
class BenchModule {}
Module({ imports, controllers: [HelloController] })(BenchModule);

const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: ['error'] });
app.enableShutdownHooks();
await app.listen(Number(port), '127.0.0.1');
process.send?.('ready');
