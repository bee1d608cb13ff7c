import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { type AppConfig, describeDatabaseUrl } from './config/index.js';
import { applyMigrations, type EmbeddedPostgres } from './db/index.js';
import { ConnectionDrain } from './http/connection-drain.js';
import { answerFrameworkError } from './http/framework-errors.js';
import { acceptBodilessDeletes } from './http/json-body.js';
import { setupOpenApi } from './http/openapi.js';
import { correlationIdOf, echoCorrelationId, logRequests } from './logging/index.js';
import { echoTraceId } from './telemetry/index.js';

/** Options of `createApp()` besides the configuration. */
export interface CreateAppOptions extends Omit<AppModuleOptions, 'config'> {
  /**
   * Whether the process traces (the entry point started the OpenTelemetry SDK): only then does
   * every response carry `X-Trace-Id`, and only then is there a hook per request looking for one.
   */
  readonly tracing?: boolean;
}

/** The database the app will use, made ready by `prepareDatabase()`. */
export interface PreparedDatabase {
  /** The configuration to build the app with: `databaseUrl` always set, `adminToken` too when generated. */
  readonly config: AppConfig;
  /** The embedded Postgres started because DATABASE_URL was unset: stop it after the app has closed. */
  readonly embedded?: EmbeddedPostgres;
  /** The ADMIN_TOKEN generated for this run (embedded first run without one), to print once. */
  readonly generatedAdminToken?: string;
  /** Migrations this start applied, oldest first; undefined with MIGRATE_ON_START=false. */
  readonly appliedMigrations?: readonly string[];
  /** Where the database is, for the log (no credentials). */
  readonly description: string;
}

/**
 * Makes the database ready before the app is built: with DATABASE_URL unset, starts the embedded
 * Postgres under DATA_DIR (and, without ADMIN_TOKEN, generates one for this run); then, unless
 * MIGRATE_ON_START=false, applies pending migrations. Rejects with a message saying which step
 * failed (the embedded Postgres is stopped again in that case); never repeats DATABASE_URL.
 *
 * @example
 * const prepared = await prepareDatabase(loadConfig());
 * const app = await createApp(prepared.config);
 */
export async function prepareDatabase(config: AppConfig): Promise<PreparedDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  let description: string;
  if (url === undefined) {
    const dataDir = path.resolve(config.dataDir);
    const { startEmbeddedPostgres } = await import('./db/embedded-postgres.js');
    embedded = await startEmbeddedPostgres({ dataDir }).catch((error: unknown) => {
      throw new Error(`the embedded Postgres did not start in DATA_DIR=${dataDir}: ${messageOf(error)}`, {
        cause: error,
      });
    });
    url = embedded.url;
    description = `embedded Postgres (PGlite, data in ${dataDir}) at ${describeDatabaseUrl(url)}`;
  } else {
    description = describeDatabaseUrl(url);
  }
  // Only the embedded first run may go without a configured token (config validation refuses
  // DATABASE_URL without one): there the operator who started the process reads it in the log.
  const generatedAdminToken =
    embedded !== undefined && config.adminToken === undefined ? randomBytes(24).toString('base64url') : undefined;
  let appliedMigrations: string[] | undefined;
  if (config.migrateOnStart) {
    try {
      appliedMigrations = (await applyMigrations(url)).applied;
    } catch (error) {
      await embedded?.stop().catch(() => undefined);
      throw new Error(`migrations failed on ${description}: ${messageOf(error)}`, { cause: error });
    }
  }
  return {
    config: Object.freeze({ ...config, databaseUrl: url, adminToken: config.adminToken ?? generatedAdminToken }),
    ...(embedded !== undefined ? { embedded } : {}),
    ...(generatedAdminToken !== undefined ? { generatedAdminToken } : {}),
    ...(appliedMigrations !== undefined ? { appliedMigrations } : {}),
    description,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds and initialises the service (not yet listening) on `config.databaseUrl`, which must be
 * set (see `prepareDatabase()`; tests pass a database of their own). With REDIS_URL set, the
 * limiter module waits for Redis while the app is built and this rejects when Redis is not ready
 * within a few seconds: a node that cannot reach Redis must not start and answer every request
 * from its fail mode. Likewise it rejects when the database does not answer.
 *
 * @example
 * const app = await createApp(loadConfig({ PORT: '0', DATABASE_URL: url, ADMIN_TOKEN: token }));
 * await app.listen(0, '127.0.0.1');
 */
export async function createApp(
  config: AppConfig,
  { tracing = false, ...options }: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    bodyLimit: config.bodyLimitBytes,
    // A body that stalls (slowloris) holds a socket and a parser: bounded, never open forever.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    genReqId: correlationIdOf,
    frameworkErrors: answerFrameworkError,
  });
  echoCorrelationId(adapter.getInstance());
  if (tracing) echoTraceId(adapter.getInstance());
  // JSON only: Fastify's text/plain parser would hand strings to handlers that expect objects;
  // without it any other content type is refused (and answered as a 400 on `body`).
  adapter.getInstance().removeContentTypeParser('text/plain');
  acceptBodilessDeletes(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ ...options, config }), adapter, {
    bufferLogs: true,
    bodyParser: false,
    // Rejects instead of exiting the process, so startup errors reach the caller (main prints them).
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // Before listen: Fastify takes no new routes once it is listening.
  setupOpenApi(app);
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  // The logger nestjs-pino built from LOG_LEVEL and the destination: nestjs-pino 4 (the one whose
  // engines take Node 20) makes it while the app initialises. Fastify applies the hook to every
  // route all the same: a route's hooks are gathered when Fastify starts (listen), not before.
  logRequests(adapter.getInstance(), PinoLogger.root);
  return app;
}

/** How a node stops (SHUTDOWN_TIMEOUT_MS, SHUTDOWN_DRAIN_MS). */
export interface ShutdownOptions {
  /** The whole shutdown's bound (0: none); past it the process exits 1. */
  readonly timeoutMs: number;
  /** For at least this long, open connections are still answered (`ConnectionDrain`). */
  readonly drainMs: number;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting, answer every request on the open
 * connections with `Connection: close` until none is left (`ConnectionDrain`, at most half the
 * bound), run the shutdown hooks (the node deregisters, the limiter closes Redis, Prisma
 * disconnects), then `afterClose` (main stops the embedded Postgres there, once nothing uses it),
 * and exit 0. A shutdown that fails, or takes longer than `timeoutMs` (0: no bound), exits 1.
 */
export function enableGracefulShutdown(
  app: NestFastifyApplication,
  { timeoutMs, drainMs }: ShutdownOptions,
  afterClose: () => Promise<void> = async () => undefined,
): void {
  const logger = new NestLogger('Shutdown');
  const drain = new ConnectionDrain(app.getHttpServer());
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
    drain
      .drain(drainMs, timeoutMs > 0 ? timeoutMs / 2 : undefined)
      .then(() => app.close())
      .then(afterClose)
      // process.exit() rather than letting the loop drain: it emits 'exit', which pino needs to flush.
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error(`Shutdown failed: ${messageOf(error)}`);
        process.exit(1);
      });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
}
