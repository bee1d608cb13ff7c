import type { Metadata } from '@grpc/grpc-js';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import { RLS_SERVICE_NAME } from './rls-protos.js';

const tracer = trace.getTracer('floodgate');

/**
 * The codes a gRPC server span counts as its own failure (OpenTelemetry's RPC conventions): UNKNOWN,
 * DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. A bad request is the caller's.
 */
const SERVER_ERRORS: ReadonlySet<number> = new Set([2, 4, 12, 13, 14, 15]);

/** The span of one call: the method's full name, as gRPC instrumentations name theirs. */
export const RLS_SPAN_NAME = `${RLS_SERVICE_NAME}/ShouldRateLimit`;

/** Reads W3C trace context (`traceparent`, `tracestate`) from a call's metadata. */
const METADATA: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).map(String);
    return values.length === 0 ? undefined : values;
  },
};

/**
 * Runs one ShouldRateLimit call inside a server span (no gRPC instrumentation is loaded), so its
 * decisions are traced as an HTTP request's are: the caller's `traceparent` continued when Envoy
 * sends one, else a trace of its own. The context is built from the root, not inherited: the
 * server is started while the app is built, with tracing suppressed (`untraced`), and what its
 * sockets run carries that context. Without an SDK the span records nothing.
 *
 * `handle` answers the gRPC status code it will send (0: OK), for the span.
 */
export async function traceRlsCall(metadata: Metadata, handle: () => Promise<number>): Promise<void> {
  const parent = propagation.extract(ROOT_CONTEXT, metadata, METADATA);
  const span = tracer.startSpan(
    RLS_SPAN_NAME,
    {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': RLS_SERVICE_NAME, 'rpc.method': 'ShouldRateLimit' },
    },
    parent,
  );
  try {
    const code = await context.with(trace.setSpan(parent, span), handle);
    span.setAttribute('rpc.grpc.status_code', code);
    if (SERVER_ERRORS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR });
  } finally {
    span.end();
  }
}
