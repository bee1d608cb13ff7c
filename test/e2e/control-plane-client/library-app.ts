import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ControlPlaneClient, ControlPlaneClientModule } from '../../../src/control-plane-client/index.js';
import { RateLimitModule } from '../../../src/limiter/index.js';
import { listenOnLoopback } from '../support/http.js';

/** Routes with no `@RateLimit()`: whatever limits them comes from the admin rules. */
@Controller('library')
class LibraryController {
  @Get('widgets')
  widgets() {
    return { ok: true };
  }

  @Get('gadgets')
  gadgets() {
    return { ok: true };
  }

  @Get('by-state')
  byState() {
    return { ok: true };
  }
}

export interface LibraryApp {
  readonly url: string;
  readonly client: ControlPlaneClient;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A Nest app as a library user writes it: the limiter on the fleet's Redis, the control plane from
 * that Redis (`ControlPlaneClientModule`), no database, none of the service's modules.
 */
export async function startLibraryApp(redis: string, keyPrefix: string): Promise<LibraryApp> {
  const controlPlane = ControlPlaneClientModule.forRoot({ redis, refreshIntervalMs: 60_000 });
  @Module({
    imports: [
      controlPlane,
      RateLimitModule.forRootAsync({
        imports: [controlPlane],
        policyResolver: ControlPlaneClient,
        callerGate: ControlPlaneClient,
        useFactory: () => ({ redis, keyPrefix }),
      }),
    ],
    controllers: [LibraryController],
  })
  class LibraryAppModule {}

  const app = await NestFactory.create<NestFastifyApplication>(LibraryAppModule, new FastifyAdapter(), {
    logger: false,
    abortOnError: false,
  });
  const url = await listenOnLoopback(app);
  return {
    url,
    client: app.get(ControlPlaneClient),
    get: (path, headers = {}) => fetch(`${url}${path}`, { headers }),
    close: () => app.close(),
  };
}
