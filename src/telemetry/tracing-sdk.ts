import { register } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { createAddHookMessageChannel } from 'import-in-the-middle';

/** Paths scraped and probed every few seconds: spans of them would bury the requests that matter. */
const UNTRACED_PATHS = /^\/(?:metrics|health)(?:[/?]|$)/;

/**
 * How long shutdown waits for the last spans to be exported. A collector that is down would
 * otherwise hold every stopping node for the exporter's own timeout (10 s by default).
 */
export const TRACING_FLUSH_TIMEOUT_MS = 2_000;

/** What `startTracingSdk()` started; `shutdown()` flushes the spans not yet exported (bounded). */
export interface TracingSdk {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables (exporter,
 * endpoint, protocol, service name, resource attributes, sampler), with the instrumentations of
 * what a Floodgate node does: HTTP (W3C `traceparent` in and out), Fastify, ioredis, pg and Prisma.
 *
 * Must run before the modules it instruments are imported: under ESM the instrumentations patch
 * modules through import-in-the-middle's loader hook, which only sees modules loaded after it is
 * registered. `main` therefore imports the service itself only after this has resolved.
 */
export async function startTracingSdk(): Promise<TracingSdk> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: ({ url }) => UNTRACED_PATHS.test(url),
        // One span for the handler (where the guard and /v1/check decide), none per lifecycle hook.
        instrumentHooks: false,
      }),
      // Only inside a request: heartbeats, rule polls and pub/sub would otherwise each be a trace.
      new IORedisInstrumentation({
        requireParentSpan: true,
        // The command alone: arguments are hashed keys and numbers, but nothing needs them in a trace.
        dbStatementSerializer: (command) => command,
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
  // The loader thread must know every module to hook before the service is imported.
  await waitForAllMessagesAcknowledged();
  return {
    shutdown: async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, TRACING_FLUSH_TIMEOUT_MS);
      });
      // Spans still unexported at the deadline are dropped, as they would be by a dead collector.
      await Promise.race([sdk.shutdown().catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}
