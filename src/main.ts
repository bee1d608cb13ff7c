// The service's entry point (`node dist/main.js`). Tracing must start before the modules it
// instruments are loaded, so this file imports nothing of the service statically: it starts the
// OpenTelemetry SDK when the standard OTEL_* variables ask for it, then imports the service.
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
const { runService } = await import('./server.js');
await runService(tracing === undefined ? {} : { tracing });
