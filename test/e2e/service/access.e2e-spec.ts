/**
 * `/v1/admin/blocks` and `/v1/admin/allowlist` on the real service: blocked callers are refused
 * from node memory with the block's public reason, allow-listed ones are never limited, the
 * precedence between the two is as documented, and a change reaches a second node.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get } from '@nestjs/common';
import { jest } from '@jest/globals';
import { RateLimit, RateLimitStore } from '../../../src/limiter/index.js';
import {
  adminFetch,
  json,
  postCheckAsCaller as postCheck,
  type RunningService,
  useServiceDatabase,
  useServiceFleet,
} from './service-harness.js';

useServiceDatabase();

@Controller('fixture')
class FixtureController {
  @Get('payments')
  @RateLimit({ limit: 1, windowMs: 60_000, key: 'apiKey', name: 'fixture-payments' })
  payments() {
    return { ok: true };
  }
}

describe('Floodgate service: blocks and the allow list', () => {
  // Every check of this file comes from an authenticated service: only such a caller may name an `ip`.
  const [a, b] = useServiceFleet({
    nodes: 2,
    checkCallers: true,
    env: { DEFAULT_LIMIT: '1', RULES_REFRESH_INTERVAL_MS: '60000' },
    controllers: [FixtureController],
  }).nodes;

  const block = (service: RunningService, body: unknown) => adminFetch(service, 'POST', '/v1/admin/blocks', body);
  const allow = (service: RunningService, body: unknown) => adminFetch(service, 'POST', '/v1/admin/allowlist', body);

  it('refuses a blocked client id with 429, Retry-After and the public reason, without calling Redis', async () => {
    const created = await block(a, {
      type: 'clientId',
      value: 'abuser-1',
      durationMs: 600_000,
      reason: 'ticket 4411: scraping',
      publicReason: 'Your account is suspended; contact support',
    });
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(body).toMatchObject({
      type: 'clientId',
      value: 'abuser-1',
      createdBy: 'admin',
      rulesVersion: expect.any(Number),
    });
    const store = jest.spyOn(a.app.get<RateLimitStore>(RateLimitStore), 'consume');
    const refused = await postCheck(a, { clientId: 'abuser-1' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(590);
    expect(await json(refused)).toMatchObject({
      allowed: false,
      limit: null,
      rule: null,
      reason: 'blocked',
      message: 'Your account is suspended; contact support',
      retryAfterMs: expect.any(Number),
    });
    // Refused from node memory: the store (Redis) was not asked.
    expect(store).not.toHaveBeenCalled();
    expect((await postCheck(a, { clientId: 'someone-else' })).status).toBe(200);
    expect(store).toHaveBeenCalledTimes(1);
    store.mockRestore();
  });

  it('reaches the other node through the rules announcement', async () => {
    await block(a, { type: 'clientId', value: 'abuser-2', durationMs: 600_000, reason: 'x' });
    let status = 0;
    for (let i = 0; i < 100 && status !== 429; i++) {
      status = (await postCheck(b, { clientId: 'abuser-2' })).status;
      if (status !== 429) await sleep(20);
    }
    expect(status).toBe(429);
  });

  it('blocks an address range given as /v1/check ip, and lets an allow-listed address inside it through, never limited', async () => {
    await block(a, { type: 'ip', value: '203.0.113.9/24', durationMs: 600_000, reason: 'botnet' });
    const listed = await json<{ items: { value: string }[] }>(await adminFetch(a, 'GET', '/v1/admin/blocks?type=ip'));
    // Stored in canonical form: host bits cleared.
    expect(listed.items.map((item) => item.value)).toContain('203.0.113.0/24');
    expect((await postCheck(a, { clientId: 'c1', ip: '203.0.113.50' })).status).toBe(429);
    expect((await allow(a, { type: 'ip', value: '203.0.113.50', description: 'our office' })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const res = await postCheck(a, { clientId: 'c1', ip: '203.0.113.50' });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ allowed: true, limit: null, rule: null });
    }
    expect((await postCheck(a, { clientId: 'c1', ip: '203.0.113.51' })).status).toBe(429);
  });

  it('never limits an allow-listed client id, and limits it again once the entry is removed', async () => {
    const entry = await json<{ id: string }>(await allow(a, { type: 'clientId', value: 'batch-job' }));
    for (let i = 0; i < 3; i++) expect((await postCheck(a, { clientId: 'batch-job' })).status).toBe(200);
    expect((await adminFetch(a, 'DELETE', `/v1/admin/allowlist/${entry.id}`)).status).toBe(204);
    expect((await postCheck(a, { clientId: 'batch-job' })).status).toBe(200);
    expect((await postCheck(a, { clientId: 'batch-job' })).status).toBe(429);
    expect((await adminFetch(a, 'DELETE', `/v1/admin/allowlist/${entry.id}`)).status).toBe(404);
  });

  it('keeps a blocked API key blocked on an allow-listed route, while other keys pass there unlimited', async () => {
    const create = (tier: string) =>
      adminFetch(a, 'POST', '/v1/admin/api-keys', { tier }).then((res) => json<{ id: string; key: string }>(res));
    const [bad, good] = [await create('free'), await create('free')];
    expect((await allow(a, { type: 'route', value: 'fixture-payments' })).status).toBe(201);
    expect((await block(a, { type: 'apiKey', value: bad.id, durationMs: 60_000, reason: 'fraud' })).status).toBe(201);
    const call = (key: string) => fetch(`${a.url}/fixture/payments`, { headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expect((await call(good.key)).status).toBe(200);
    const refused = await call(bad.key);
    expect(refused.status).toBe(429);
    expect(await json(refused)).toMatchObject({ statusCode: 429, reason: 'blocked', retryAfterMs: expect.any(Number) });
  });

  it('stops refusing when a block expires or is lifted', async () => {
    const short = await json<{ id: string }>(
      await block(a, { type: 'clientId', value: 'brief', durationMs: 1_000, reason: 'cool-down' }),
    );
    expect((await postCheck(a, { clientId: 'brief', cost: 0 })).status).toBe(429);
    await sleep(1_100);
    expect((await postCheck(a, { clientId: 'brief', cost: 0 })).status).toBe(200);
    expect((await adminFetch(a, 'DELETE', `/v1/admin/blocks/${short.id}`)).status).toBe(404);

    const lifted = await json<{ id: string }>(
      await block(a, { type: 'clientId', value: 'forgiven', durationMs: 60_000, reason: 'x' }),
    );
    expect((await adminFetch(a, 'GET', `/v1/admin/blocks/${lifted.id}`)).status).toBe(200);
    expect((await adminFetch(a, 'DELETE', `/v1/admin/blocks/${lifted.id}`)).status).toBe(204);
    expect((await postCheck(a, { clientId: 'forgiven', cost: 0 })).status).toBe(200);
    const audit = await json<{ items: { action: string; targetId: string }[] }>(
      await adminFetch(a, 'GET', `/v1/admin/audit?targetType=block&targetId=${lifted.id}`),
    );
    expect(audit.items.map((item) => item.action)).toEqual(['block.delete', 'block.create']);
  });

  it('answers 400 naming the field for bad blocks and entries, and 409 for a duplicate entry', async () => {
    const badBlocks: [unknown, string][] = [
      [{ type: 'user', value: 'x', durationMs: 1_000, reason: 'r' }, 'type'],
      [{ type: 'ip', value: '300.1.1.1', durationMs: 1_000, reason: 'r' }, 'value'],
      [{ type: 'ip', value: '10.0.0.0/33', durationMs: 1_000, reason: 'r' }, 'value'],
      [{ type: 'apiKey', value: 'not-a-uuid', durationMs: 1_000, reason: 'r' }, 'value'],
      [{ type: 'apiKey', value: '00000000-0000-4000-8000-000000000000', durationMs: 1_000, reason: 'r' }, 'value'],
      [{ type: 'clientId', value: 'x', durationMs: 999, reason: 'r' }, 'durationMs'],
      [{ type: 'clientId', value: 'x', durationMs: '1000', reason: 'r' }, 'durationMs'],
      [{ type: 'clientId', value: 'x', durationMs: 1_000 }, 'reason'],
      [{ type: 'clientId', value: 'x', durationMs: 1_000, reason: 'r', until: 'later' }, 'until'],
      // Named after Object.prototype's members: unknown fields like any other.
      [{ type: 'clientId', value: 'x', durationMs: 1_000, reason: 'r', toString: 1 }, 'toString'],
      [{ type: 'clientId', value: 'x', durationMs: 1_000, reason: 'r', valueOf: 'x' }, 'valueOf'],
    ];
    for (const [body, field] of badBlocks) {
      const res = await block(a, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(await json(res)).toMatchObject({ field });
    }
    expect(await json(await allow(a, { type: 'route', value: '' }))).toMatchObject({ statusCode: 400, field: 'value' });
    expect((await allow(a, { type: 'clientId', value: 'twice' })).status).toBe(201);
    const again = await allow(a, { type: 'clientId', value: 'twice' });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ statusCode: 409, field: 'value' });
    expect((await adminFetch(a, 'GET', '/v1/admin/blocks?type=cidr')).status).toBe(400);
  });
});
