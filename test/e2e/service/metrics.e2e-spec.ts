/**
 * `GET /metrics` of the real service: a valid exposition (checked by `promtool check metrics`),
 * and the series each kind of request moves. prom-client's registry is one per process and every
 * app of this file shares it, so each test compares a scrape before and after.
 */
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../../src/limiter/index.js';
import { parseExposition, promtoolCheckMetrics, type Sample, valueOf } from '../../support/prometheus.js';
import { waitFor } from '../../support/redis-server.mjs';
import { postCheck, type RunningService, useServiceDatabase, useServiceFleet } from './service-harness.js';

useServiceDatabase();

@Controller('fixture')
class FixtureController {
  @Get('one-per-minute')
  @RateLimit({ limit: 1, windowMs: 60_000, name: 'fixture-guarded', algorithm: 'gcra' })
  guarded() {
    return { ok: true };
  }
}

async function scrape(service: RunningService): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

/** How much each series moved between two scrapes. */
function delta(before: Sample[], after: Sample[]) {
  return (name: string, labels: Record<string, string> = {}) =>
    valueOf(after, name, labels) - valueOf(before, name, labels);
}

describe('Floodgate service: GET /metrics', () => {
  const fleet = useServiceFleet({
    redis: 'own',
    env: { DEFAULT_LIMIT: '2', LOG_LEVEL: 'warn' },
    controllers: [FixtureController],
  });
  const [service] = fleet.nodes;

  it('is a valid exposition by promtool, with the default process metrics, and never rate limited', async () => {
    for (let i = 0; i < 3; i++) {
      const { text, samples } = await scrape(service);
      const lint = await promtoolCheckMetrics(text);
      expect(lint).toEqual({ code: 0, output: '' });
      expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
    }
  });

  it('counts a limited /v1/check by rule, algorithm and outcome, times it, and counts the cached refusal', async () => {
    const { samples: before } = await scrape(service);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postCheck(service, { clientId: 'metrics-alice' })).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const { samples: after } = await scrape(service);
    const moved = delta(before, after);
    const rule = { rule: 'default', algorithm: 'sliding_window' };
    expect(moved('floodgate_decisions_total', { ...rule, outcome: 'allowed' })).toBe(2);
    expect(moved('floodgate_decisions_total', { ...rule, outcome: 'limited' })).toBe(2);
    // The first refusal came from Redis, the second from the node's denial cache.
    expect(moved('floodgate_decision_duration_seconds_count', { entry: 'check', source: 'store' })).toBe(3);
    expect(moved('floodgate_decision_duration_seconds_count', { entry: 'check', source: 'cache' })).toBe(1);
    expect(moved('floodgate_denial_cache_hits_total')).toBe(1);
    expect(
      moved('http_request_duration_seconds_count', { method: 'POST', route: '/v1/check', status_code: '429' }),
    ).toBe(2);
    // A Redis round trip on loopback is well under the 50 ms bucket; a cached refusal under 0.1 ms.
    expect(moved('floodgate_decision_duration_seconds_bucket', { entry: 'check', source: 'store', le: '0.05' })).toBe(
      3,
    );
  });

  it('counts a route limited by the guard under its rule name and the guard entry', async () => {
    const { samples: before } = await scrape(service);
    const first = await fetch(`${service.url}/fixture/one-per-minute`);
    const second = await fetch(`${service.url}/fixture/one-per-minute`);
    expect([first.status, second.status]).toEqual([200, 429]);
    const moved = delta(before, (await scrape(service)).samples);
    const rule = { rule: 'fixture-guarded', algorithm: 'gcra' };
    expect(moved('floodgate_decisions_total', { ...rule, outcome: 'allowed' })).toBe(1);
    expect(moved('floodgate_decisions_total', { ...rule, outcome: 'limited' })).toBe(1);
    expect(moved('floodgate_decision_duration_seconds_count', { entry: 'guard', source: 'store' })).toBe(2);
    expect(
      moved('http_request_duration_seconds_count', {
        method: 'GET',
        route: '/fixture/one-per-minute',
        status_code: '429',
      }),
    ).toBe(1);
  });

  it('never labels a series with a client id or a raw path: unknown paths count as "unmatched"', async () => {
    await postCheck(service, { clientId: 'client-id-that-must-not-leak' });
    await fetch(`${service.url}/raw/path/that-must-not-leak?x=1`);
    const { text, samples } = await scrape(service);
    expect(text).not.toContain('must-not-leak');
    expect(
      valueOf(samples, 'http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status_code: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("reports the node's state: rules version and reloads, live nodes, heartbeat age, breaker closed", async () => {
    const { samples } = await scrape(service);
    expect(valueOf(samples, 'floodgate_rules_version')).toBe(0);
    expect(valueOf(samples, 'floodgate_rules_reloads_total', { result: 'success' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'floodgate_nodes_live')).toBe(1);
    const age = valueOf(samples, 'floodgate_node_heartbeat_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(15);
    expect(valueOf(samples, 'floodgate_store_circuit_breaker_state', { state: 'closed' })).toBe(1);
    expect(valueOf(samples, 'floodgate_store_circuit_breaker_state', { state: 'open' })).toBe(0);
  });

  it('counts store errors by class and failed-open decisions when Redis dies, and shows the breaker open', async () => {
    const { samples: before } = await scrape(service);
    await fleet.redis.kill();
    for (let i = 0; i < 6; i++) {
      const res = await postCheck(service, { clientId: `during-outage-${i}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-failed-open')).toBe('true');
    }
    const { samples: after } = await scrape(service);
    const moved = delta(before, after);
    expect(moved('floodgate_decisions_total', { rule: 'default', outcome: 'failed_open' })).toBe(6);
    // Five failed calls open the breaker; the sixth decision never called Redis.
    expect(moved('floodgate_store_errors_total', { class: 'connection' })).toBe(5);
    // Decided by the insurance limiter (on by default), in this node's memory.
    expect(moved('floodgate_decision_duration_seconds_count', { entry: 'check', source: 'insurance' })).toBe(6);
    expect(valueOf(after, 'floodgate_store_circuit_breaker_state', { state: 'open' })).toBe(1);
    expect(valueOf(after, 'floodgate_store_circuit_breaker_state', { state: 'closed' })).toBe(0);
    await fleet.redis.start();
    // Back before the suite closes the service: a close while the clients reconnect failed the whole
    // file twice in full runs ("Connection is closed"), never when the spec ran alone.
    const healthy = async () => (await fetch(`${service.url}/health`)).status === 200;
    await waitFor(healthy, 'the service healthy again', 5_000);
    expect(await healthy()).toBe(true);
  });
});
