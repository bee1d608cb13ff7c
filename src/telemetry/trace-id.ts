import type { FastifyInstance } from 'fastify';
import { activeTraceId } from '../limiter/tracing/decision-span.js';

/** The response header that carries the request's trace id (32 hex digits), to look it up in Jaeger. */
export const TRACE_ID_HEADER = 'X-Trace-Id';

export { activeTraceId };

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
