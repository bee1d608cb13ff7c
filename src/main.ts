import { Logger } from '@nestjs/common';
import { createApp, enableGracefulShutdown } from './bootstrap.js';
import { type AppConfig, loadConfig } from './config/index.js';
import { describeRedis, parseRedisUrl } from './limiter/index.js';

/** Prints why the service cannot start and exits 1 (before the app exists there is no logger). */
function fail(error: unknown): never {
  process.stderr.write(`floodgate: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    fail(error);
  }
  const app = await createApp(config).catch(fail);
  enableGracefulShutdown(app, config.shutdownTimeoutMs);
  await app.listen(config.port, config.host).catch(fail);
  const store =
    config.redisUrl !== undefined ? describeRedis(parseRedisUrl(config.redisUrl)) : 'in-process memory (single node)';
  new Logger('Main').log(`Listening on ${await app.getUrl()} as node ${config.nodeId}; store: ${store}`);
}

void main();
