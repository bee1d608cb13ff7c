import { createRequire } from 'node:module';
import type * as OpenTelemetry from '@opentelemetry/api';
import type { Awaitable } from '../awaitable.js';
import type { DecisionOrigin, RateLimitDecision } from '../decision.js';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';

/** The span every traced decision gets, a child of the request's span. */
export const DECISION_SPAN_NAME = 'floodgate.decision';

/** Span attribute names (the `floodgate.` namespace is ours). */
export const DecisionAttributes = {
  rule: 'floodgate.rule',
  algorithm: 'floodgate.algorithm',
  outcome: 'floodgate.outcome',
  remaining: 'floodgate.remaining',
  limit: 'floodgate.limit',
  source: 'floodgate.source',
  entry: 'floodgate.entry',
  correlationId: 'floodgate.correlation_id',
} as const;

/**
 * The OpenTelemetry API, an optional peer dependency of the library: without it nothing is traced
 * and no trace id is logged. Loaded with require() so that it stays optional without a top-level
 * await; the API keeps its state on a global, so this copy sees the provider and context manager
 * an SDK registered through any other copy (CommonJS or ESM).
 */
function loadOpenTelemetry(): typeof OpenTelemetry | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as typeof OpenTelemetry;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

const otel = loadOpenTelemetry();

/**
 * The tracer is fetched once: without an SDK it is the API's proxy, which starts delegating to the
 * real provider as soon as one is registered (the service's telemetry entry does so before Nest).
 */
const tracer = otel?.trace.getTracer('floodgate');

/** The active span's trace id, or undefined outside a trace (always, without an OpenTelemetry SDK). */
export function activeTraceId(): string | undefined {
  if (otel === undefined) return undefined;
  const spanContext = otel.trace.getActiveSpan()?.spanContext();
  return spanContext !== undefined && otel.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/**
 * Runs `decide` inside a `floodgate.decision` span when the caller is being traced, so the store's
 * Redis span nests under it. Without a recording parent span (no SDK, or a request sampled out) it
 * only calls `decide`: an untraced decision pays for one context lookup.
 *
 * The span never carries the caller's identity (client id, IP, API key) or its raw store key.
 */
export function traceDecision(
  policy: RateLimitPolicy,
  origin: DecisionOrigin,
  decide: () => Awaitable<RateLimitDecision>,
): Awaitable<RateLimitDecision> {
  if (!tracingDecisions()) return decide();
  // A promise either way when traced: the span ends once the decision is made, sync or not.
  return traceDecisions([policy], origin, async () => [await decide()]).then(([decision]) => decision!);
}

/** Whether a decision made now gets a span: an SDK is loaded and the caller's span is recording. */
function tracingDecisions(): boolean {
  const parent = otel?.trace.getActiveSpan();
  return tracer !== undefined && parent !== undefined && parent.isRecording();
}

/**
 * `traceDecision` for decisions made by one store call (`RateLimiter.consumeAll`): one
 * `floodgate.decision` span per policy, in order, each ended with its own decision. The store call
 * runs under the first span, so its Redis span nests there: one call decided them all.
 */
export function traceDecisions(
  policies: readonly RateLimitPolicy[],
  origin: DecisionOrigin,
  decide: () => Promise<readonly RateLimitDecision[]>,
): Promise<readonly RateLimitDecision[]> {
  if (otel === undefined || tracer === undefined || !tracingDecisions()) return decide();
  const { context, trace, SpanStatusCode } = otel;
  const spans = policies.map((policy) => startDecisionSpan(otel, tracer, policy, origin));
  return context.with(trace.setSpan(context.active(), spans[0]!), decide).then(
    (decisions) => {
      spans.forEach((span, i) => endWith(span, decisions[i]!, SpanStatusCode.ERROR));
      return decisions;
    },
    (error: unknown) => {
      for (const span of spans) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      throw error;
    },
  );
}

function startDecisionSpan(
  api: typeof OpenTelemetry,
  decisionTracer: OpenTelemetry.Tracer,
  policy: RateLimitPolicy,
  origin: DecisionOrigin,
): OpenTelemetry.Span {
  return decisionTracer.startSpan(DECISION_SPAN_NAME, {
    kind: api.SpanKind.INTERNAL,
    attributes: {
      [DecisionAttributes.rule]: policy.rule ?? policy.name,
      [DecisionAttributes.algorithm]: policy.algorithm,
      [DecisionAttributes.entry]: origin.entry,
      ...(origin.correlationId !== undefined ? { [DecisionAttributes.correlationId]: origin.correlationId } : {}),
    },
  });
}

/** `errorStatus`: the API's `SpanStatusCode.ERROR` (an enum value, from the API loaded at run time). */
function endWith(
  span: OpenTelemetry.Span,
  decision: RateLimitDecision,
  errorStatus: OpenTelemetry.SpanStatusCode,
): void {
  span.setAttributes({
    [DecisionAttributes.outcome]: decision.outcome,
    [DecisionAttributes.remaining]: decision.remaining,
    [DecisionAttributes.limit]: decision.limit,
    [DecisionAttributes.source]: decision.source,
  });
  // A refusal is the limiter working, not an error; a decision made without the store is one.
  if (decision.source === 'none' || decision.source === 'insurance') {
    span.setStatus({ code: errorStatus, message: `store failed: ${decision.outcome}` });
  }
  span.end();
}
