// The service's entry point (`node dist/main.js`). Tracing must start before the modules it
// instruments are loaded, so this file imports nothing of the service statically: it starts the
// OpenTelemetry SDK when the standard OTEL_* variables ask for it, then imports the service.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tracingEnabled } from './telemetry/tracing-enabled.js';

let tracing: { shutdown(): Promise<void> } | undefined;
if (tracingEnabled(process.env)) {
  try {
    const { startTracingSdk } = await import('./telemetry/tracing-sdk.js');
    tracing = await startTracingSdk();
  } catch (error) {
    process.stderr.write(
      `floodgate: cannot start tracing: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
// The bundle (scripts/bundle-service.mjs) starts in about half the time: one file to read instead
// of some 2,600, compiled from the code cache the build saved (startup/bundled-service.ts). With
// tracing on, the service runs from its files: the instrumentations patch Fastify, ioredis and pg
// as Node loads them, and code inside a bundle is never loaded as those modules. `tsc` alone (no
// bundle) leaves the files only.
const bundle = fileURLToPath(new URL('./server.bundle.cjs', import.meta.url));
const { runService } =
  tracing === undefined && existsSync(bundle)
    ? (await import('./startup/bundled-service.js')).loadBundledService(bundle)
    : ((await import('./server.js')) as typeof import('./server.js'));
await runService(tracing === undefined ? {} : { tracing });
