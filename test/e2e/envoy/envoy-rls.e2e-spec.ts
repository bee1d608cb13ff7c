/**
 * The Envoy rate limit service (ENVOY_RLS_PORT) of the real service, called by a real gRPC client
 * built from the same protos, on the machine's Redis and a Postgres database of this file's own:
 * rules written over REST decide the descriptors, several at once all or nothing, bad requests
 * are INVALID_ARGUMENT, and a dead Redis takes the fail mode.
 */
import { status } from '@grpc/grpc-js';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { EnvoyRlsServer, RLS_SPAN_NAME } from '../../../src/envoy/index.js';
import { DECISION_SPAN_NAME } from '../../../src/limiter/tracing/decision-span.js';
import { parseExposition, type Sample, valueOf } from '../../support/prometheus.js';
import { waitFor } from '../../support/redis-server.mjs';
import {
  adminFetch,
  createRule,
  json,
  type RunningService,
  useService,
  useServiceDatabase,
  useServiceFleet,
} from '../service/service-harness.js';
import { type CallResult, headersOf, type RlsClient, rlsClient } from './support/rls-client.js';

useServiceDatabase();

/** Spans recorded in this process: the service runs here, so its spans do too. */
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
});

/** The response of a call that must have succeeded. */
function ok(result: CallResult) {
  expect(result.error).toBeUndefined();
  return result.response!;
}

async function scrape(service: RunningService): Promise<Sample[]> {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe('Floodgate service: the Envoy rate limit service over gRPC', () => {
  let client: RlsClient;
  const [service, writer] = useServiceFleet({
    env: { LOG_LEVEL: 'warn' },
    // A second node, without the gRPC server: rules written there reach the first over Redis.
    nodes: [{ ENVOY_RLS_PORT: '0', NODE_ID: 'envoy-node' }, { NODE_ID: 'writer-node' }],
    beforeStop: () => client?.close(),
  }).nodes;

  beforeAll(() => {
    client = rlsClient(service.app.get(EnvoyRlsServer).port);
  });

  it('answers OK under the limit with the limit, what is left, the reset and the HTTP headers', async () => {
    await createRule(service, {
      name: 'shop-per-user',
      match: { domain: 'shop', descriptors: [{ key: 'user' }] },
      limits: [{ limit: 2, windowMs: 60_000 }],
    });
    const response = ok(await client.call({ domain: 'shop', descriptors: [[['user', 'alice']]] }));
    expect(response.overall_code).toBe('OK');
    expect(response.statuses).toHaveLength(1);
    const [descriptor] = response.statuses;
    expect(descriptor).toMatchObject({
      code: 'OK',
      current_limit: { name: 'shop-per-user', requests_per_unit: 2, unit: 'MINUTE' },
      limit_remaining: 1,
    });
    const reset = descriptor!.duration_until_reset!;
    expect(reset.seconds * 1000 + reset.nanos / 1e6).toBeGreaterThan(0);
    expect(reset.seconds).toBeLessThanOrEqual(120);
    const headers = headersOf(response);
    expect(headers).toMatchObject({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'ratelimit-policy': '"shop-per-user";q=2;w=60',
    });
    expect(headers.ratelimit).toMatch(/^"shop-per-user";r=1;t=\d+$/);
    expect(headers['retry-after']).toBeUndefined();
    expect(response.request_headers_to_add).toEqual([]);
  });

  it('answers OVER_LIMIT past the limit, with Retry-After; each value of the key counts apart', async () => {
    const request = { domain: 'shop', descriptors: [[['user', 'alice']] as const] };
    expect(ok(await client.call(request)).overall_code).toBe('OK');
    const refused = ok(await client.call(request));
    expect(refused.overall_code).toBe('OVER_LIMIT');
    expect(refused.statuses[0]).toMatchObject({ code: 'OVER_LIMIT', limit_remaining: 0 });
    const headers = headersOf(refused);
    expect(Number(headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(headers['x-ratelimit-remaining']).toBe('0');
    expect(ok(await client.call({ domain: 'shop', descriptors: [[['user', 'bob']]] })).overall_code).toBe('OK');
  });

  it('decides several descriptors together: one over refuses the request and takes nothing from the others', async () => {
    await createRule(service, {
      name: 'multi-per-user',
      match: { domain: 'multi', descriptors: [{ key: 'user' }] },
      limits: [{ limit: 10, windowMs: 60_000 }],
    });
    await createRule(service, {
      name: 'multi-search',
      match: { domain: 'multi', descriptors: [{ key: 'path', value: '/search' }] },
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    const both = {
      domain: 'multi',
      descriptors: [[['user', 'carol']], [['path', '/search']], [['path', '/elsewhere']]] as const,
    };
    const first = ok(await client.call(both));
    expect(first.overall_code).toBe('OK');
    expect(first.statuses.map((s) => [s.code, s.limit_remaining])).toEqual([
      ['OK', 9],
      ['OK', 0],
      // No rule takes this one: OK, no limit.
      ['OK', 0],
    ]);
    expect(first.statuses[2]!.current_limit).toBeNull();
    const second = ok(await client.call(both));
    expect(second.overall_code).toBe('OVER_LIMIT');
    expect(second.statuses.map((s) => s.code)).toEqual(['OK', 'OVER_LIMIT', 'OK']);
    // The per-user limit still has its 9: the refused request took nothing from it.
    expect(second.statuses[0]!.limit_remaining).toBe(9);
    // The headers speak for the descriptor that refused.
    expect(headersOf(second)['ratelimit-policy']).toBe('"multi-search";q=1;w=60');
    const alone = ok(await client.call({ domain: 'multi', descriptors: [[['user', 'carol']]] }));
    expect(alone.statuses[0]!.limit_remaining).toBe(8);
  });

  it('takes hits_addend units, and 1 when it is 0', async () => {
    await createRule(service, {
      name: 'hits-per-key',
      match: { domain: 'hits', descriptors: [{ key: 'api_key' }] },
      limits: [{ limit: 10, windowMs: 60_000 }],
    });
    const request = (hits_addend: number) => ({
      domain: 'hits',
      descriptors: [[['api_key', 'k1']] as const],
      hits_addend,
    });
    expect(ok(await client.call(request(4))).statuses[0]!.limit_remaining).toBe(6);
    expect(ok(await client.call(request(0))).statuses[0]!.limit_remaining).toBe(5);
    const over = ok(await client.call(request(6)));
    expect(over.overall_code).toBe('OVER_LIMIT');
    expect(over.statuses[0]!.limit_remaining).toBe(5);
  });

  it('answers OK for a domain no rule names, with no limit and no headers', async () => {
    const response = ok(await client.call({ domain: 'nobody-knows', descriptors: [[['user', 'x']], [['a', 'b']]] }));
    expect(response.overall_code).toBe('OK');
    expect(response.statuses.map((s) => [s.code, s.current_limit])).toEqual([
      ['OK', null],
      ['OK', null],
    ]);
    expect(response.response_headers_to_add).toEqual([]);
  });

  it('lets a shadow rule answer OK over its limit, and counts it', async () => {
    await createRule(service, {
      name: 'shadow-per-ip',
      match: { domain: 'shadowed', descriptors: [{ key: 'remote_address' }] },
      limits: [{ limit: 1, windowMs: 60_000 }],
      shadow: true,
    });
    const before = await scrape(service);
    const request = { domain: 'shadowed', descriptors: [[['remote_address', '203.0.113.9']] as const] };
    for (let i = 0; i < 3; i++) expect(ok(await client.call(request)).overall_code).toBe('OK');
    const after = await scrape(service);
    const moved = (outcome: string) =>
      valueOf(after, 'floodgate_decisions_total', { rule: 'shadow-per-ip', outcome }) -
      valueOf(before, 'floodgate_decisions_total', { rule: 'shadow-per-ip', outcome });
    expect(moved('allowed')).toBe(1);
    expect(moved('shadow_limited')).toBe(2);
  });

  it('refuses malformed requests with INVALID_ARGUMENT naming the field and why (too large: RESOURCE_EXHAUSTED), never INTERNAL', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] }, 'domain must be a string of 1 to 4096 characters'],
      [{ domain: 'shop' }, 'descriptors must hold 1 to 64 descriptors'],
      [{ domain: 'shop', descriptors: [{ entries: [] }] }, 'descriptors[0].entries must hold 1 to 32 entries'],
      [
        { domain: 'shop', descriptors: [{ entries: [{ key: 'user', value: 'a' }] }, { entries: [{ key: 'user' }] }] },
        'descriptors[1].entries[0].value must be a string of 1 to 4096 characters',
      ],
      [
        { domain: 'shop', descriptors: [{ entries: [{ key: 'user', value: 'a' }] }], hits_addend: 1_000_001 },
        'hits_addend must be an integer from 0 to 1000000',
      ],
    ];
    for (const [message, details] of cases) {
      expect((await client.callMessage(message)).error).toEqual({ code: status.INVALID_ARGUMENT, details });
    }
    // Past the server's 1 MiB message bound: refused before it is decoded.
    const huge = await client.call({ domain: 'shop', descriptors: [[['user', 'x'.repeat(2 * 1024 * 1024)]]] });
    expect(huge.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    const garbage = await client.callBytes(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff]));
    expect(garbage.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.error?.details).toMatch(/^request is not a RateLimitRequest/);
    // The server is fine after all of them.
    expect(ok(await client.call({ domain: 'shop', descriptors: [[['user', 'dave']]] })).overall_code).toBe('OK');
  });

  it('refuses an Envoy rule it could not enforce over REST with a 400 naming the field and why', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ domain: 'shop', resource: 'GET /a' }, 'match.domain', 'cannot be combined with match.resource'],
      [{ domain: 'shop', descriptors: [{ key: 'user', value: '' }] }, 'match.descriptors[0].value', 'must be a string'],
      [{ domain: 'shop', descriptors: [] }, 'match.descriptors', 'must be an array of 1 to 8 entries'],
    ];
    for (const [match, field, reason] of cases) {
      const res = await adminFetch(service, 'POST', '/v1/admin/rules', {
        name: 'refused',
        match,
        limits: [{ limit: 1, windowMs: 1_000 }],
      });
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ field, reason: expect.stringContaining(reason) });
    }
    const concurrency = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'refused',
      match: { domain: 'shop' },
      algorithm: 'concurrency',
      limits: [{ limit: 1, windowMs: 1_000 }],
    });
    expect(concurrency.status).toBe(400);
    expect(await json(concurrency)).toMatchObject({ field: 'algorithm' });
  });

  it('follows a rule changed over REST on another node', async () => {
    const { id } = await createRule(writer, {
      name: 'reload-per-user',
      match: { domain: 'reload', descriptors: [{ key: 'user' }] },
      limits: [{ limit: 3, windowMs: 60_000 }],
    });
    const limitNow = async () =>
      ok(await client.call({ domain: 'reload', descriptors: [[['user', 'erin']]], hits_addend: 0 })).statuses[0]!
        .current_limit?.requests_per_unit;
    await waitFor(async () => (await limitNow()) === 3, 'the new rule on the gRPC node', 5_000);
    const patched = await adminFetch(writer, 'PATCH', `/v1/admin/rules/${id}`, {
      limits: [{ limit: 50, windowMs: 60_000 }],
    });
    expect(patched.status).toBe(200);
    await waitFor(async () => (await limitNow()) === 50, 'the changed rule on the gRPC node', 5_000);
    expect(await limitNow()).toBe(50);
    expect((await adminFetch(writer, 'DELETE', `/v1/admin/rules/${id}`)).status).toBe(204);
    await waitFor(async () => (await limitNow()) === undefined, 'the deleted rule gone from the gRPC node', 5_000);
  });

  it('shows its decisions in metrics as entry="envoy" and traces each under the call', async () => {
    await createRule(service, {
      name: 'seen-per-user',
      match: { domain: 'seen', descriptors: [{ key: 'user' }] },
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    const before = await scrape(service);
    exporter.reset();
    const request = { domain: 'seen', descriptors: [[['user', 'frank']] as const] };
    expect(ok(await client.call(request)).overall_code).toBe('OK');
    expect(ok(await client.call(request)).overall_code).toBe('OVER_LIMIT');
    const after = await scrape(service);
    const moved = (name: string, labels: Record<string, string>) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(moved('floodgate_decisions_total', { rule: 'seen-per-user', outcome: 'allowed' })).toBe(1);
    expect(moved('floodgate_decisions_total', { rule: 'seen-per-user', outcome: 'limited' })).toBe(1);
    expect(moved('floodgate_decision_duration_seconds_count', { entry: 'envoy', source: 'store' })).toBe(2);

    const spans = exporter.getFinishedSpans();
    const calls = spans.filter((s) => s.name === RLS_SPAN_NAME);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.kind).toBe(1); // SpanKind.SERVER
      expect(call.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0 });
      const decisions = spans.filter(
        (s) => s.name === DECISION_SPAN_NAME && s.parentSpanContext?.spanId === call.spanContext().spanId,
      );
      expect(decisions).toHaveLength(1);
      expect(decisions[0]!.attributes).toMatchObject({ 'floodgate.rule': 'seen-per-user', 'floodgate.entry': 'envoy' });
    }
    const outcomes = spans.filter((s) => s.name === DECISION_SPAN_NAME).map((s) => s.attributes['floodgate.outcome']);
    expect(outcomes).toEqual(['allowed', 'limited']);
    // Never the caller: no span carries the descriptor's value.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('frank');
  });
});

describe('Floodgate service: the Envoy rate limit service while Redis is down', () => {
  let openClient: RlsClient;
  let closedClient: RlsClient;
  const fleet = useServiceFleet({
    redis: 'own',
    env: { LOG_LEVEL: 'error', ENVOY_RLS_PORT: '0' },
    // Insurance off: the fail mode alone decides.
    nodes: [
      { NODE_ID: 'open-node', RATE_LIMIT_INSURANCE_NODES: '0' },
      { NODE_ID: 'closed-node', RATE_LIMIT_FAIL_MODE: 'closed' },
    ],
    rules: [
      {
        name: 'outage-per-user',
        match: { domain: 'outage', descriptors: [{ key: 'user' }] },
        limits: [{ limit: 5, windowMs: 60_000 }],
      },
      {
        name: 'outage-shadow',
        match: { domain: 'outage', descriptors: [{ key: 'path' }] },
        limits: [{ limit: 5, windowMs: 60_000 }],
        shadow: true,
      },
    ],
    beforeStop: () => {
      openClient?.close();
      closedClient?.close();
    },
  });
  const [open, closed] = fleet.nodes;

  beforeAll(() => {
    openClient = rlsClient(open.app.get(EnvoyRlsServer).port);
    closedClient = rlsClient(closed.app.get(EnvoyRlsServer).port);
  });

  it('answers by the fail mode: open lets through, marked; closed refuses, but not for a shadow rule', async () => {
    const request = { domain: 'outage', descriptors: [[['user', 'gina']] as const] };
    const shadowOnly = { domain: 'outage', descriptors: [[['path', '/']] as const] };
    // The closed node has the rules too (written on the other node, announced over Redis).
    await waitFor(
      async () => ok(await closedClient.call(request)).statuses[0]!.current_limit?.name === 'outage-per-user',
      'the rules on the fail-closed node',
      5_000,
    );
    expect(ok(await openClient.call(request)).overall_code).toBe('OK');
    await fleet.redis.kill();

    const opened = ok(await openClient.call(request));
    expect(opened.overall_code).toBe('OK');
    expect(headersOf(opened)['x-ratelimit-failed-open']).toBe('true');

    const refused = ok(await closedClient.call(request));
    expect(refused.overall_code).toBe('OVER_LIMIT');
    expect(refused.statuses[0]!.code).toBe('OVER_LIMIT');
    expect(Number(headersOf(refused)['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(ok(await closedClient.call(shadowOnly)).overall_code).toBe('OK');

    const samples = await scrape(closed);
    expect(valueOf(samples, 'floodgate_decisions_total', { rule: 'outage-per-user', outcome: 'failed_closed' })).toBe(
      1,
    );
    await fleet.redis.start();
    const healthy = async () =>
      (await fetch(`${open.url}/health`)).status === 200 && (await fetch(`${closed.url}/health`)).status === 200;
    await waitFor(healthy, 'both nodes healthy again', 10_000);
  });

  it('stops answering once the app has closed', async () => {
    const request = { domain: 'outage', descriptors: [[['user', 'hana']] as const] };
    expect(ok(await closedClient.call(request)).overall_code).toBe('OK');
    await closed.close();
    const after = await closedClient.call(request);
    expect(after.error?.code).toBe(status.UNAVAILABLE);
  });
});

describe('Floodgate service: the Envoy rate limit service with RATE_LIMIT_HEADERS=false', () => {
  let client: RlsClient;
  const service = useService({
    env: { LOG_LEVEL: 'warn', ENVOY_RLS_PORT: '0', RATE_LIMIT_HEADERS: 'false' },
    beforeStop: () => client?.close(),
  });

  beforeAll(() => {
    client = rlsClient(service.app.get(EnvoyRlsServer).port);
  });

  it('adds no rate-limit header to the response, and only Retry-After to a refusal', async () => {
    await createRule(service, {
      name: 'quiet-per-user',
      match: { domain: 'quiet', descriptors: [{ key: 'user' }] },
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    const request = { domain: 'quiet', descriptors: [[['user', 'carol']] as const] };
    const allowed = ok(await client.call(request));
    expect(allowed).toMatchObject({ overall_code: 'OK', response_headers_to_add: [] });
    // The decision itself is all there: only the headers are left out.
    expect(allowed.statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 0 });
    const refused = ok(await client.call(request));
    expect(refused.overall_code).toBe('OVER_LIMIT');
    expect(Object.keys(headersOf(refused))).toEqual(['retry-after']);
  });
});
