/**
 * `/v1/admin/api-keys` and what keys do: a key's tier picks the rules in `/v1/check` and behind the
 * guard, invalid keys get 401, and an address that keeps presenting invalid keys is blocked.
 */
import { Controller, Get } from '@nestjs/common';
import { RateLimit } from '../../../src/limiter/index.js';
import { adminFetch, json, postCheckAsCaller as postCheck, useService, useServiceDatabase } from './service-harness.js';

useServiceDatabase();

const READONLY_TOKEN = 'test-readonly-token-0123456789';

@Controller('fixture')
class FixtureController {
  @Get('keyed')
  @RateLimit({ limit: 100, windowMs: 60_000, key: 'apiKey', name: 'fixture-keyed' })
  keyed() {
    return { ok: true };
  }
}

interface Key {
  id: string;
  key: string;
  prefix: string;
  tier: string;
  status: string;
  version: number;
  revokedAt: string | null;
}

describe('Floodgate service: API keys and tiers', () => {
  // Every check of this file comes from an authenticated service: only such a caller may name an `ip`.
  const service = useService({
    checkCallers: true,
    env: { ADMIN_READONLY_TOKEN: READONLY_TOKEN, API_KEY_FAILURE_LIMIT: '3', API_KEY_BLOCK_MS: '60000' },
    controllers: [FixtureController],
    // Tiered rules, for /v1/check's resource and for the guarded route (by its name).
    rules: [
      ['search-free', { resource: 'GET /search', tier: 'free' }, 1],
      ['search-pro', { resource: 'GET /search', tier: 'pro' }, 3],
      ['keyed-pro', { resource: 'fixture-keyed', tier: 'pro' }, 2],
    ].map(([name, match, limit]) => ({ name, match, limits: [{ limit, windowMs: 60_000 }] })),
  });

  const create = (body: unknown) => adminFetch(service, 'POST', '/v1/admin/api-keys', body);

  it('creates a key, showing its secret once; reads never show it', async () => {
    const res = await create({ tier: 'pro', owner: 'team-search', description: 'search backend' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const key = await json<Key>(res);
    expect(key).toMatchObject({ tier: 'pro', owner: 'team-search', status: 'active', enabled: true, version: 1 });
    expect(key.key).toMatch(/^fgk_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.key.slice(0, 12));
    expect(res.headers.get('location')).toBe(`/v1/admin/api-keys/${key.id}`);
    const read = await json<Record<string, unknown>>(await adminFetch(service, 'GET', `/v1/admin/api-keys/${key.id}`));
    expect(read).toMatchObject({ id: key.id, prefix: key.prefix, tier: 'pro' });
    expect(read).not.toHaveProperty('key');
    const list = await (await adminFetch(service, 'GET', '/v1/admin/api-keys?tier=pro')).text();
    expect(list).toContain(key.id);
    expect(list).not.toContain(key.key);
    expect(list).not.toMatch(/secret|hash/i);
  });

  it('answers 400 naming the field for bad bodies and queries, 404 for unknown ids', async () => {
    const cases: [unknown, string][] = [
      [{}, 'tier'],
      [{ tier: '' }, 'tier'],
      [{ tier: 'x'.repeat(65) }, 'tier'],
      [{ tier: 'pro', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
      [{ tier: 'pro', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ tier: 'pro', enabled: 'yes' }, 'enabled'],
      [{ tier: 'pro', secret: 'mine' }, 'secret'],
      [[], 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(await json(res)).toMatchObject({ statusCode: 400, field });
    }
    expect((await adminFetch(service, 'GET', '/v1/admin/api-keys?limit=0')).status).toBe(400);
    expect((await adminFetch(service, 'GET', '/v1/admin/api-keys?colour=red')).status).toBe(400);
    expect((await adminFetch(service, 'GET', '/v1/admin/api-keys/not-a-uuid')).status).toBe(400);
    const missing = await adminFetch(service, 'GET', '/v1/admin/api-keys/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
  });

  it('asks for the admin token, and the full one to write', async () => {
    expect((await fetch(`${service.url}/v1/admin/api-keys`)).status).toBe(401);
    expect((await adminFetch(service, 'GET', '/v1/admin/api-keys', undefined, READONLY_TOKEN)).status).toBe(200);
    expect((await adminFetch(service, 'POST', '/v1/admin/api-keys', { tier: 'pro' }, READONLY_TOKEN)).status).toBe(403);
  });

  it("picks the rules by the key's tier in /v1/check, and refuses invalid keys with 401", async () => {
    const pro = await json<Key>(await create({ tier: 'pro' }));
    const check = (apiKey: string, clientId = 'acct-tiered') =>
      postCheck(service, { clientId, resource: 'GET /search', apiKey, tier: 'free' });
    // The key's tier wins over the body's.
    const first = await check(pro.key);
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ rule: 'search-pro', limit: 3, remaining: 2 });
    const invalid = await check('fgk_this-is-not-a-key');
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get('www-authenticate')).toBe('ApiKey header="X-API-Key"');
    expect(await json(invalid)).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid API key',
      reason: 'invalid_api_key',
    });
  });

  it('refuses a disabled, a revoked and an expired key, each saying why', async () => {
    const key = await json<Key>(await create({ tier: 'pro' }));
    const check = () => postCheck(service, { clientId: 'acct-lifecycle', resource: 'GET /search', apiKey: key.key });
    expect((await check()).status).toBe(200);

    const disabled = await adminFetch(service, 'PATCH', `/v1/admin/api-keys/${key.id}`, { enabled: false });
    expect(await json(disabled)).toMatchObject({ status: 'disabled', version: 2 });
    expect(await json(await check())).toMatchObject({ statusCode: 401, message: 'This API key is disabled' });
    await adminFetch(service, 'PATCH', `/v1/admin/api-keys/${key.id}`, { enabled: true, tier: 'free' });
    expect(await json(await check())).toMatchObject({ rule: 'search-free' });

    const revoked = await adminFetch(service, 'POST', `/v1/admin/api-keys/${key.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(await json(revoked)).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });
    expect(await json(await check())).toMatchObject({ statusCode: 401, message: 'This API key has been revoked' });
    const change = await adminFetch(service, 'PATCH', `/v1/admin/api-keys/${key.id}`, { enabled: true });
    expect(change.status).toBe(409);

    const soon = new Date(Date.now() + 1_500).toISOString();
    const expiring = await json<Key>(await create({ tier: 'pro', expiresAt: soon }));
    const checkExpiring = () =>
      postCheck(service, { clientId: 'acct-expiring', resource: 'GET /search', apiKey: expiring.key });
    expect((await checkExpiring()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await json(await checkExpiring())).toMatchObject({ statusCode: 401, message: 'This API key has expired' });
  });

  it('limits a guarded route by the X-API-Key tier, and answers 401 for an invalid key', async () => {
    const pro = await json<Key>(await create({ tier: 'pro' }));
    const call = (key: string) => fetch(`${service.url}/fixture/keyed`, { headers: { 'x-api-key': key } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(pro.key)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await call('fgk_unknown');
    expect(refused.status).toBe(401);
    expect(await json(refused)).toMatchObject({ statusCode: 401, reason: 'invalid_api_key' });
  });

  it('blocks an address that keeps presenting invalid keys, and audits the block as system', async () => {
    const ip = '198.51.100.77';
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await postCheck(service, { clientId: 'guesser', apiKey: `fgk_guess-${i}`, ip })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401]);
    // The fourth invalid key (over the limit of 3) blocks the address; the block is written off the response path.
    let blocked: Response | undefined;
    // Floodgate writes its own blocks in batches, at most a second apart.
    for (let i = 0; i < 150; i++) {
      blocked = await postCheck(service, { clientId: 'guesser', ip });
      if (blocked.status === 429) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(blocked!.status).toBe(429);
    expect(await json(blocked!)).toMatchObject({
      allowed: false,
      reason: 'blocked',
      message: 'Too many invalid API keys',
    });
    const blocks = await json<{ items: { type: string; value: string; createdBy: string }[] }>(
      await adminFetch(service, 'GET', '/v1/admin/blocks?type=ip'),
    );
    expect(blocks.items).toContainEqual(expect.objectContaining({ type: 'ip', value: ip, createdBy: 'system' }));
    const audit = await json<{ items: { action: string; actor: string; after: { value: string } }[] }>(
      await adminFetch(service, 'GET', '/v1/admin/audit?targetType=block'),
    );
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        action: 'block.create',
        actor: 'system',
        after: expect.objectContaining({ value: ip }),
      }),
    );
  });

  it('records every key write in the audit log, newest first', async () => {
    const key = await json<Key>(await create({ tier: 'enterprise' }));
    await adminFetch(service, 'PATCH', `/v1/admin/api-keys/${key.id}`, { owner: 'ops' });
    const audit = await json<{ items: { action: string; actor: string; targetId: string; before: unknown }[] }>(
      await adminFetch(service, 'GET', `/v1/admin/audit?targetType=api_key&targetId=${key.id}`),
    );
    expect(audit.items.map((entry) => entry.action)).toEqual(['api_key.update', 'api_key.create']);
    expect(audit.items[0]).toMatchObject({ actor: 'admin', before: expect.objectContaining({ owner: null }) });
    expect(JSON.stringify(audit)).not.toContain(key.key);
  });
});
