/**
 * The operator's controls on the real service: the sample tier rules across load states, counters
 * and their reset, the view of callers at their limit, concurrency limits (guard and /v1/check),
 * counting only failed responses, and a rule's penalty.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BadRequestException, Controller, Get, HttpCode, Post, Query, UnauthorizedException } from '@nestjs/common';
import { RateLimit } from '../../../src/limiter/index.js';
import { adminFetch, json, postCheck, type RunningService, useService, useServiceDatabase } from './service-harness.js';

useServiceDatabase();

/** The sample tier rules of the examples. */
const SAMPLE_RULES = JSON.parse(
  readFileSync(new URL('../../../examples/rules/tiers.json', import.meta.url), 'utf8'),
) as Record<string, unknown>[];

@Controller('fixture')
class FixtureController {
  @Get('slow')
  @RateLimit({ algorithm: 'concurrency', limit: 2, windowMs: 10_000, name: 'fixture-slow', key: () => 'everyone' })
  async slow() {
    await sleep(300);
    return { ok: true };
  }

  @Post('login')
  @HttpCode(200)
  @RateLimit({ limit: 2, windowMs: 60_000, countOnly: 'failed', name: 'fixture-login' })
  login(@Query('password') password: string) {
    if (password === 'boom') throw new BadRequestException('bad request');
    if (password !== 'right') throw new UnauthorizedException('wrong password');
    return { ok: true };
  }
}

/** How many of `n` checks in a row are allowed. */
async function allowedOf(service: RunningService, body: Record<string, unknown>, n: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await postCheck(service, body)).status === 200) allowed++;
  return allowed;
}

/**
 * Sends `n` checks one after another to a token bucket of `capacity` that refills one token every
 * `refillMs`, and expects it to admit its capacity plus what refilled while they ran: the tiers'
 * buckets refill as the test goes (pro: one every 600 ms), and a slow machine takes that long.
 */
async function expectBucket(
  service: RunningService,
  body: Record<string, unknown>,
  n: number,
  { capacity, refillMs }: { capacity: number; refillMs: number },
): Promise<void> {
  const started = Date.now();
  const allowed = await allowedOf(service, body, n);
  const refilled = Math.floor((Date.now() - started) / refillMs);
  expect(allowed).toBeGreaterThanOrEqual(capacity);
  expect(allowed).toBeLessThanOrEqual(capacity + refilled);
}

describe('Floodgate service: operations', () => {
  const service = useService({ env: { DEFAULT_LIMIT: '1000' }, controllers: [FixtureController], rules: SAMPLE_RULES });

  it('gives each tier of the sample rules its limits: bursts while NORMAL, free shed hard while DEGRADED', async () => {
    const check = (tier: string, clientId: string) => ({ clientId, tier, resource: 'GET /anything' });
    // 10 and 100 per minute: one token every 6 s and every 600 ms.
    const free = { refillMs: 6_000 };
    const pro = { refillMs: 600 };
    await expectBucket(service, check('free', 'free-normal'), 25, { ...free, capacity: 20 });
    await expectBucket(service, check('pro', 'pro-normal'), 155, { ...pro, capacity: 150 });
    const enterprise = await json(await postCheck(service, check('enterprise', 'ent-normal')));
    expect(enterprise).toMatchObject({ rule: 'tier-enterprise', limit: 1000, remaining: 999 });

    expect((await adminFetch(service, 'PUT', '/v1/admin/system/state', { state: 'DEGRADED' })).status).toBe(200);
    try {
      // DEGRADED: free 2 per minute (one token every 30 s), pro its base 100.
      await expectBucket(service, check('free', 'free-degraded'), 5, { refillMs: 30_000, capacity: 2 });
      await expectBucket(service, check('pro', 'pro-degraded'), 105, { ...pro, capacity: 100 });
      expect(await json(await postCheck(service, check('enterprise', 'ent-degraded')))).toMatchObject({
        limit: 1000,
        remaining: 999,
      });
      // The usage carries over: a free client that used 20 in NORMAL has nothing left at 2.
      expect((await postCheck(service, check('free', 'free-normal'))).status).toBe(429);
      const explained = await json(await adminFetch(service, 'POST', '/v1/admin/explain', check('free', 'x')));
      expect(explained).toMatchObject({ loadState: 'DEGRADED', policy: { limits: [{ limit: 2, windowMs: 60_000 }] } });
    } finally {
      await adminFetch(service, 'PUT', '/v1/admin/system/state', { state: 'NORMAL' });
    }
  });

  it("advertises a bursting tier's capacity as its quota, and its rate as the refill, in the body and the headers", async () => {
    const res = await postCheck(service, { clientId: 'burst-reader', tier: 'free', resource: 'GET /anything' });
    expect(res.status).toBe(200);
    // 10 per minute bursting to 20: the caller holds 19 of 20, never "19 of 10".
    expect(await json(res)).toMatchObject({
      rule: 'tier-free',
      limit: 20,
      remaining: 19,
      refill: { limit: 10, windowMs: 60_000 },
    });
    expect(res.headers.get('x-ratelimit-limit')).toBe('20');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('19');
    expect(res.headers.get('ratelimit-policy')).toBe('"tier-free";q=20;w=120');
    // Explain's what-if shows the same quota.
    const body = { clientId: 'burst-reader', tier: 'free', resource: 'GET /anything' };
    const explained = await json(await adminFetch(service, 'POST', '/v1/admin/explain', body));
    expect(explained).toMatchObject({ decision: { limit: 20, remaining: 19 } });
    // A tier without a burst says nothing of a refill.
    const plain = await json(await postCheck(service, { clientId: 'burst-reader', tier: 'enterprise' }));
    expect(plain).toMatchObject({ limit: 1000 });
    expect(plain).not.toHaveProperty('refill');
  });

  it("shows a caller's usage of a rule, resets it, and audits both", async () => {
    const body = { clientId: 'ticket-77', tier: 'free', resource: 'GET /x' };
    expect(await allowedOf(service, body, 21)).toBe(20);
    const read = await adminFetch(service, 'GET', '/v1/admin/counters?rule=tier-free&clientId=ticket-77');
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({
      rule: 'tier-free',
      policy: 'tier-free',
      clientId: 'ticket-77',
      algorithm: 'token_bucket',
      limits: [{ windowMs: 60_000, remaining: 0, used: expect.any(Number), resetAt: expect.any(Number) }],
      blockedUntil: null,
    });
    expect((await adminFetch(service, 'DELETE', '/v1/admin/counters?rule=tier-free&clientId=ticket-77')).status).toBe(
      204,
    );
    // Whole again, and the node's cached refusal is gone with it.
    expect(await allowedOf(service, body, 20)).toBe(20);
    const audit = await json<{ items: { action: string; targetId: string }[] }>(
      await adminFetch(service, 'GET', '/v1/admin/audit?targetType=counters'),
    );
    expect(audit.items.slice(0, 2).map((entry) => entry.action)).toEqual(['counters.reset', 'counters.read']);
    expect(audit.items[0]!.targetId).toBe('tier-free client:ticket-77');
  });

  it('answers 404 for an unknown rule and 400 naming the parameter for a bad query', async () => {
    expect((await adminFetch(service, 'GET', '/v1/admin/counters?rule=nope&clientId=a')).status).toBe(404);
    for (const [query, field] of [
      ['clientId=a', 'rule'],
      ['rule=tier-free', 'clientId'],
      ['rule=tier-free&clientId=a&ip=1.2.3.4', 'clientId'],
      ['rule=tier-free&ip=not-an-ip', 'ip'],
      ['rule=tier-free&clientId=a&colour=red', 'colour'],
    ]) {
      const res = await adminFetch(service, 'GET', `/v1/admin/counters?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(await json(res)).toMatchObject({ field });
    }
  });

  it('lists who is at or over a limit right now, across the fleet', async () => {
    await allowedOf(service, { clientId: 'heavy-user', tier: 'free' }, 22);
    const view = await json<{ items: { rule: string; identity: string; until: number }[]; total: number }>(
      await adminFetch(service, 'GET', '/v1/admin/over-limit?limit=100'),
    );
    const entry = view.items.find((item) => item.identity === 'client:heavy-user');
    expect(entry).toMatchObject({ rule: 'tier-free', until: expect.any(Number) });
    expect(entry!.until).toBeGreaterThan(Date.now());
    expect(view.total).toBeGreaterThanOrEqual(1);
    expect((await adminFetch(service, 'GET', '/v1/admin/over-limit?limit=101')).status).toBe(400);
  });

  it('caps requests in flight on a guarded route, and frees each slot when its response is done', async () => {
    const call = () => fetch(`${service.url}/fixture/slow`);
    const first = await Promise.all([call(), call(), call(), call()]);
    expect(first.map((res) => res.status).sort()).toEqual([200, 200, 429, 429]);
    expect(first[0]!.headers.get('ratelimit-policy')).toBe('"fixture-slow";q=2;qu="concurrent-requests"');
    const again = await Promise.all([call(), call()]);
    expect(again.map((res) => res.status)).toEqual([200, 200]);
  });

  it('takes a slot for /v1/check under a concurrency rule and gives it back on release', async () => {
    const created = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'exports-in-flight',
      match: { resource: 'POST /export' },
      algorithm: 'concurrency',
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    expect(created.status).toBe(201);
    const body = { clientId: 'exporter', resource: 'POST /export' };
    const taken = await json<{ allowed: boolean; leaseId: string }>(await postCheck(service, body));
    expect(taken).toMatchObject({ allowed: true, leaseId: expect.any(String) });
    expect((await postCheck(service, body)).status).toBe(429);
    const release = (leaseId: string) =>
      fetch(`${service.url}/v1/check/release`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, leaseId }),
      }).then((res) => json(res));
    expect(await release(taken.leaseId)).toEqual({ released: true });
    expect(await release(taken.leaseId)).toEqual({ released: false });
    expect((await postCheck(service, body)).status).toBe(200);
  });

  it('counts only failed responses of a route that counts failures, and refuses once they are used up', async () => {
    const login = (password: string) => fetch(`${service.url}/fixture/login?password=${password}`, { method: 'POST' });
    for (let i = 0; i < 5; i++) expect((await login('right')).status).toBe(200);
    expect((await login('wrong')).status).toBe(401);
    expect((await login('boom')).status).toBe(400);
    // Both units went to failures: even the right password is refused now.
    expect((await login('right')).status).toBe(429);
  });

  it("keeps a caller out for a rule's penalty after it goes over", async () => {
    const created = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'penalized',
      match: { resource: 'POST /comment' },
      limits: [{ limit: 1, windowMs: 1_000 }],
      blockDurationMs: 60_000,
    });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({ penalty: { blockDurationMs: 60_000 } });
    const body = { clientId: 'spammer', resource: 'POST /comment' };
    expect((await postCheck(service, body)).status).toBe(200);
    const refused = await postCheck(service, body);
    expect(refused.status).toBe(429);
    expect(await json(refused)).toMatchObject({ allowed: false, blockedUntil: expect.any(Number) });
    // The window is long over, the block is not.
    await sleep(1_100);
    const still = await postCheck(service, body);
    expect(still.status).toBe(429);
    expect(Number(still.headers.get('retry-after'))).toBeGreaterThan(50);
  });
});
