import 'reflect-metadata';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import type { AppConfig } from './config/index.js';
import { correlationIdOf, echoCorrelationId } from './logging/index.js';

/** Options of `createApp()` besides the configuration. */
export type CreateAppOptions = Omit<AppModuleOptions, 'config'>;

/**
 * Builds and initialises the service (not yet listening). With REDIS_URL set, the limiter module
 * waits for Redis while the app is built and this rejects when Redis is not ready within a few
 * seconds: a node that cannot reach Redis must not start and answer every request from its fail
 * mode.
 *
 * @example
 * const app = await createApp(loadConfig({ PORT: '0' }));
 * await app.listen(0, '127.0.0.1');
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: config.bodyLimitBytes,
    genReqId: correlationIdOf,
  });
  echoCorrelationId(adapter.getInstance());
  // JSON only: Fastify's text/plain parser would hand strings to handlers that expect objects;
  // without it any other content type is refused (and answered as a 400 on `body`).
  adapter.getInstance().removeContentTypeParser('text/plain');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ ...options, config }), adapter, {
    bufferLogs: true,
    bodyParser: false,
    // Rejects instead of exiting the process, so startup errors reach the caller (main prints them).
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
/**
 * Graceful shutdown on SIGTERM/SIGINT through Nest's shutdown hooks: stop accepting, let in-flight
 * requests finish, then the shutdown hooks (the limiter closes Redis), and exit 0. A shutdown that
 * takes longer than `timeoutMs` (0: no bound) exits 1.
 */
export function enableGracefulShutdown(app: NestFastifyApplication, timeoutMs: number): void {
  const logger = new NestLogger('Shutdown');
  const signals = ['SIGTERM', 'SIGINT'] as const;
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    logger.log(`${signal} received: draining in-flight requests`);
    if (timeoutMs > 0) {
      setTimeout(() => {
        logger.error(`Shutdown did not finish within ${timeoutMs} ms; exiting`);
        process.exit(1);
      }, timeoutMs).unref();
    }
  };
  for (const signal of signals) process.once(signal, onSignal);
  app.enableShutdownHooks([...signals], { useProcessExit: true });
}
