import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../../src/limiter/index.js';
import { adminFetch, postCheck, useServiceDatabase, useServiceFleet } from './service-harness.js';

useServiceDatabase();

/** A route whose code-declared limit an admin rule overrides by the route's name. */
@Controller('fixture')
class FixtureController {
  @Get('search')
  @RateLimit({ limit: 100, windowMs: 60_000, name: 'fixture-search' })
  search() {
    return { ok: true };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Floodgate service: admin rules drive the decisions', () => {
  // Two nodes on one database and one Redis, as two replicas of the service would be.
  const [a, b] = useServiceFleet({
    nodes: 2,
    env: { RULES_REFRESH_INTERVAL_MS: '200' },
    controllers: [FixtureController],
  }).nodes;

  it('asks for the admin token', async () => {
    const res = await fetch(`${a.url}/v1/admin/rules`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="floodgate-admin"');
    expect(await (await adminFetch(a, 'GET', '/v1/admin/rules')).json()).toEqual({ items: [], total: 0 });
  });

  it('enforces a rule on /v1/check as soon as it is created, on the node that wrote it', async () => {
    const created = await adminFetch(a, 'POST', '/v1/admin/rules', {
      name: 'search-free',
      match: { resource: 'GET /search', tier: 'free' },
      limits: [{ limit: 2, windowMs: 60_000 }],
    });
    expect(created.status).toBe(201);
    const body = { clientId: 'carol', resource: 'GET /search', tier: 'free' };
    expect((await postCheck(a, body)).status).toBe(200);
    expect((await postCheck(a, body)).status).toBe(200);
    const refused = await postCheck(a, body);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ allowed: false, limit: 2, rule: 'search-free' });
    // Another tier does not match the rule: the default rule applies.
    expect(await (await postCheck(a, { ...body, tier: 'pro' })).json()).toMatchObject({ rule: 'default' });
  });

  it('reaches another node within its refresh interval, sharing the counters through Redis', async () => {
    const res = await adminFetch(a, 'POST', '/v1/admin/rules', {
      name: 'export',
      match: { resource: 'POST /export' },
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    expect(res.status).toBe(201);
    const { rulesVersion } = (await res.json()) as { rulesVersion: number };
    const deadline = Date.now() + 5_000;
    let seen: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      seen = (await (await postCheck(b, { clientId: 'dave', resource: 'POST /export', cost: 0 })).json()) as Record<
        string,
        unknown
      >;
      if (seen.rule === 'export') break;
      await sleep(50);
    }
    expect(seen).toMatchObject({ rule: 'export', limit: 1 });
    expect((await adminFetch(b, 'GET', '/v1/admin/rules/version').then((r) => r.json())) as object).toEqual({
      rulesVersion,
    });
    expect((await postCheck(a, { clientId: 'dave', resource: 'POST /export' })).status).toBe(200);
    expect((await postCheck(b, { clientId: 'dave', resource: 'POST /export' })).status).toBe(429);
  });

  it("overrides a route's @RateLimit() by the route's name, at runtime", async () => {
    expect((await fetch(`${a.url}/fixture/search`)).headers.get('x-ratelimit-limit')).toBe('100');
    const res = await adminFetch(a, 'POST', '/v1/admin/rules', {
      name: 'fixture-search-override',
      match: { resource: 'fixture-search' },
      limits: [{ limit: 1, windowMs: 60_000 }],
    });
    expect(res.status).toBe(201);
    const first = await fetch(`${a.url}/fixture/search`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('1');
    const second = await fetch(`${a.url}/fixture/search`);
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ statusCode: 429, rule: 'fixture-search-override' });
  });
});
