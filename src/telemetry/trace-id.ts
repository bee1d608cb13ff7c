import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

/** The response header that carries the request's trace id (32 hex digits), to look it up in Jaeger. */
export const TRACE_ID_HEADER = 'X-Trace-Id';

/** The active span's trace id, or undefined outside a trace (always, when tracing is off). */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * Puts the request's trace id on every response, like the correlation id: the HTTP
 * instrumentation has made the request's span active before Fastify's first hook runs (continuing
 * the caller's `traceparent` when it sent one). Without tracing there is no span and no header.
 */
export function echoTraceId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    const traceId = activeTraceId();
    if (traceId !== undefined) reply.raw.setHeader(TRACE_ID_HEADER, traceId);
    done();
  });
}
