import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * Runs work with tracing suppressed, and with it everything that work starts: the async context
 * follows timers, sockets and promises created inside. `runService` builds the app this way, so
 * startup and the background work it sets up (rule polls, outbox passes, pub/sub reloads) never
 * become a stream of root traces that buries the requests in Jaeger; an incoming request starts a
 * trace of its own. Without the SDK this is a plain call.
 *
 * @example
 * const app = await untraced(() => createApp(config));
 */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}
