import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, enableGracefulShutdown, prepareDatabase, type PreparedDatabase } from './bootstrap.js';
import { type AppConfig, loadConfig } from './config/index.js';
import { describeRedis, parseRedisUrl } from './limiter/store/redis/redis-url.js';
import { untraced } from './telemetry/index.js';

/** Levels at which a warn line is not written: the generated token then goes to stderr. */
const WARN_HIDDEN = new Set(['error', 'fatal', 'silent']);

/** Prints why the service cannot start and exits 1 (before the app exists there is no logger). */
function fail(error: unknown): never {
  process.stderr.write(`floodgate: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

/** Like `fail`, once the embedded Postgres (if any) has flushed and stopped. */
async function failAfterStopping(prepared: PreparedDatabase, error: unknown): Promise<never> {
  await prepared.embedded?.stop().catch(() => undefined);
  return fail(error);
}

/** The startup lines: where the data is, what was migrated, and the generated token (its only appearance). */
function logStartup(logger: Logger, prepared: PreparedDatabase): void {
  const { appliedMigrations, generatedAdminToken } = prepared;
  logger.log(`Database: ${prepared.description}`);
  logger.log(
    appliedMigrations === undefined
      ? 'Migrations: not applied (MIGRATE_ON_START=false)'
      : appliedMigrations.length === 0
        ? 'Migrations: applied 0, the schema is up to date'
        : `Migrations: applied ${appliedMigrations.length} (${appliedMigrations.join(', ')})`,
  );
  if (generatedAdminToken !== undefined) {
    const line = `generated ADMIN_TOKEN for this run: ${generatedAdminToken} (set ADMIN_TOKEN to keep one)`;
    // Without this line nobody could use the admin API of this run, whatever LOG_LEVEL says.
    if (WARN_HIDDEN.has(prepared.config.logLevel)) process.stderr.write(`floodgate: ${line}\n`);
    else logger.warn(line);
  }
}

/** What the entry point started before the service: tracing, when the OTEL_* variables ask for it. */
export interface ServiceRuntime {
  readonly tracing?: { shutdown(): Promise<void> };
}

/**
 * Runs the service until a signal stops it: configuration, database, app, listen. Every failure
 * before it serves prints why and exits 1. `main` calls it once tracing (if any) has started.
 */
export async function runService({ tracing }: ServiceRuntime = {}): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    fail(error);
  }
  const prepared = await prepareDatabase(config).catch(fail);
  // Built outside any trace: the startup work, and the timers and connections it creates (rule
  // polls, the outbox pass, pub/sub), never start traces; each request starts its own.
  const app: NestFastifyApplication = await untraced(() =>
    createApp(prepared.config, { tracing: tracing !== undefined }),
  ).catch((error: unknown) => failAfterStopping(prepared, error));
  // The embedded Postgres stops after the app has closed: Prisma disconnects in the app's shutdown
  // hooks. Tracing flushes last, so the spans of the final requests are exported too.
  enableGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, drainMs: config.shutdownDrainMs }, async () => {
    await prepared.embedded?.stop();
    await tracing?.shutdown();
  });
  await app.listen(config.port, config.host).catch(async (error: unknown) => {
    await app.close().catch(() => undefined);
    return failAfterStopping(prepared, error);
  });
  const logger = new Logger('Main');
  logStartup(logger, prepared);
  const store =
    config.redisUrl !== undefined ? describeRedis(parseRedisUrl(config.redisUrl)) : 'in-process memory (single node)';
  const url = await app.getUrl();
  logger.log(`Listening on ${url} as node ${config.nodeId}; store: ${store}`);
  // What a first-time user opens next (the admin token, when generated, is in the line above these).
  logger.log(`Health: ${url}/health  API docs: ${url}/docs  Metrics: ${url}/metrics`);
}
