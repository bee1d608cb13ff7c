import { context, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';
import { RateLimiter } from '../rate-limiter.js';
import { MemoryRateLimitStore } from '../store/memory/memory.store.js';
import type { RateLimitStore } from '../store/rate-limit.store.js';
import { DECISION_SPAN_NAME } from './decision-span.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager().enable();
const tracer = provider.getTracer('test');

beforeAll(() => {
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

const policy = (extra: Partial<RateLimitPolicy> = {}): RateLimitPolicy => ({
  name: 'search',
  algorithm: 'token_bucket',
  limits: [{ limit: 1, windowMs: 60_000 }],
  shadow: false,
  ...extra,
});

class DownStore implements RateLimitStore {
  async consume(): Promise<never> {
    throw new Error('connect ECONNREFUSED');
  }
  async release(): Promise<never> {
    throw new Error('connect ECONNREFUSED');
  }
  async refund(): Promise<never> {
    throw new Error('connect ECONNREFUSED');
  }
  async reset(): Promise<never> {
    throw new Error('connect ECONNREFUSED');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

function limiterOn(store: RateLimitStore, failMode: 'open' | 'closed' = 'open'): RateLimiter {
  return new RateLimiter(store, { keyPrefix: 'spec', failMode, failClosedRetryAfterMs: 500 });
}

/** Runs `work` inside a recording request span, as the HTTP instrumentation would. */
function inRequest<T>(work: () => Promise<T>): Promise<{ result: T; parentId: string; traceId: string }> {
  return tracer.startActiveSpan('POST /v1/check', async (parent) => {
    const result = await work();
    parent.end();
    return { result, parentId: parent.spanContext().spanId, traceId: parent.spanContext().traceId };
  });
}

describe('the decision span', () => {
  it('is a child of the request span, with the rule, algorithm, outcome, remaining and correlation id', async () => {
    const limiter = limiterOn(new MemoryRateLimitStore({ sweepIntervalMs: 0 }));
    const origin = { entry: 'check', correlationId: 'corr-1' };
    const { parentId, traceId } = await inRequest(async () => {
      await limiter.consume(policy(), 'client:alice', 1, origin);
      return limiter.consume(policy(), 'client:alice', 1, origin);
    });
    const spans = exporter.getFinishedSpans().filter((s) => s.name === DECISION_SPAN_NAME);
    expect(spans).toHaveLength(2);
    const [allowed, limited] = spans;
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.parentSpanContext?.spanId).toBe(parentId);
    }
    expect(allowed!.attributes).toEqual({
      'floodgate.rule': 'search',
      'floodgate.algorithm': 'token_bucket',
      'floodgate.entry': 'check',
      'floodgate.correlation_id': 'corr-1',
      'floodgate.outcome': 'allowed',
      'floodgate.remaining': 0,
      'floodgate.limit': 1,
      'floodgate.source': 'store',
    });
    expect(limited!.attributes['floodgate.outcome']).toBe('limited');
    // A refusal is the limiter working, not an error.
    expect(limited!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('never carries the caller: no attribute holds the client id or its store key', async () => {
    const limiter = limiterOn(new MemoryRateLimitStore({ sweepIntervalMs: 0 }));
    await inRequest(() => limiter.consume(policy(), 'client:alice-secret-id', 1, { entry: 'check' }));
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === DECISION_SPAN_NAME);
    const values = JSON.stringify(span!.attributes);
    expect(values).not.toContain('alice');
    expect(values).not.toContain('spec:');
  });

  it('labels a per-resource policy with its rule, not the caller-supplied resource', async () => {
    const limiter = limiterOn(new MemoryRateLimitStore({ sweepIntervalMs: 0 }));
    await inRequest(() => limiter.consume(policy({ name: 'per|GET /anything', rule: 'per' }), 'client:a', 1));
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === DECISION_SPAN_NAME);
    expect(span!.attributes['floodgate.rule']).toBe('per');
    expect(span!.attributes['floodgate.entry']).toBe('direct');
  });

  it('is an error span when the store failed and the decision came from the fail mode', async () => {
    const limiter = limiterOn(new DownStore(), 'closed');
    const { result } = await inRequest(() => limiter.consume(policy(), 'client:a', 1, { entry: 'guard' }));
    expect(result.outcome).toBe('failed_closed');
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === DECISION_SPAN_NAME);
    expect(span!.attributes['floodgate.outcome']).toBe('failed_closed');
    expect(span!.attributes['floodgate.source']).toBe('none');
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('is one per part of a consumeAll, each with its own rule and outcome, all under the request', async () => {
    const limiter = limiterOn(new MemoryRateLimitStore({ sweepIntervalMs: 0 }));
    const roomy = policy({ name: 'roomy', limits: [{ limit: 5, windowMs: 60_000 }] });
    const tight = policy({ name: 'tight', limits: [{ limit: 1, windowMs: 60_000 }] });
    const parts = [
      { policy: roomy, identity: 'user=a' },
      { policy: tight, identity: 'path=/' },
    ];
    await limiter.consumeAll(parts, 1, 'group', { entry: 'envoy' });
    exporter.reset();
    const { parentId } = await inRequest(() => limiter.consumeAll(parts, 1, 'group', { entry: 'envoy' }));
    const spans = exporter.getFinishedSpans().filter((s) => s.name === DECISION_SPAN_NAME);
    expect(spans.map((s) => [s.attributes['floodgate.rule'], s.attributes['floodgate.outcome']])).toEqual([
      ['roomy', 'allowed'],
      ['tight', 'limited'],
    ]);
    for (const span of spans) {
      expect(span.parentSpanContext?.spanId).toBe(parentId);
      expect(span.attributes['floodgate.entry']).toBe('envoy');
    }
  });

  it('is not made outside a trace, nor under a request that was sampled out', async () => {
    const limiter = limiterOn(new MemoryRateLimitStore({ sweepIntervalMs: 0 }));
    expect((await limiter.consume(policy(), 'client:a', 1)).outcome).toBe('allowed');
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    await context.with(trace.setSpan(context.active(), unsampled), () => limiter.consume(policy(), 'client:b', 1));
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
