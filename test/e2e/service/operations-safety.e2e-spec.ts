/**
 * The operations API's safety rails on the real service (Redis, Postgres, a real socket): counters
 * that refuse a resource their rule cannot have, invalid keys counted per calling service with or
 * without a body `ip`, wide address blocks only when forced (and audited so), API keys named by
 * their prefix, one allow-list entry by id, `blockDurationMs` answered where it was sent, Floodgate's
 * own policies marked on the over-limit board, messages that set the field apart, bodiless DELETEs,
 * and a configurable admin lockout.
 */
import {
  adminFetch,
  CALLER_HEADERS,
  json,
  postCheck,
  type RunningService,
  startService,
  TEST_ADMIN_TOKEN,
  TEST_CHECK_TOKENS,
  uniquePrefix,
  useServiceDatabase,
} from './service-harness.js';

useServiceDatabase();

type Json = Record<string, unknown>;

const OTHER_CHECK_TOKEN = 'other-check-token-0123456789';
const OTHER_CALLER_HEADERS = { authorization: `Bearer ${OTHER_CHECK_TOKEN}` };
const HOUR = 3_600_000;

function counters(service: RunningService, method: string, query: Record<string, string>): Promise<Response> {
  return adminFetch(service, method, `/v1/admin/counters?${new URLSearchParams(query).toString()}`);
}

/** A DELETE that says it sends JSON and sends nothing, as many HTTP clients set up for a JSON API do. */
function bodilessDelete(service: RunningService, path: string, body?: string): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
}

describe('Floodgate service: safer operations', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      CHECK_TOKENS: `${TEST_CHECK_TOKENS},other=${OTHER_CHECK_TOKEN}`,
      // A caller may pass on 10 times this: 10 invalid keys per window.
      API_KEY_FAILURE_LIMIT: '1',
      BLOCK_MIN_IPV4_PREFIX: '16',
      RULES_REFRESH_INTERVAL_MS: '60000',
    });
    const rules = [
      { name: 'items', match: { resource: 'GET /items/*' }, perResource: true, limits: [{ limit: 1, windowMs: HOUR }] },
      { name: 'search', match: { resource: 'GET /search' }, limits: [{ limit: 5, windowMs: HOUR }] },
    ];
    for (const rule of rules) expect((await adminFetch(service, 'POST', '/v1/admin/rules', rule)).status).toBe(201);
  });
  afterAll(() => service.close());

  it('refuses a counters resource that a per-resource rule does not match, and any resource for a rule that is not per-resource', async () => {
    for (const method of ['GET', 'DELETE']) {
      const matched = await counters(service, method, { rule: 'items', clientId: 'c1', resource: 'GET /items/1' });
      expect({ method, status: matched.status }).toEqual({ method, status: method === 'GET' ? 200 : 204 });

      const typo = await counters(service, method, { rule: 'items', clientId: 'c1', resource: 'GET /itemz/1' });
      expect(typo.status).toBe(400);
      expect(await json(typo)).toMatchObject({
        field: 'resource',
        reason: 'does not match the rule\'s match.resource "GET /items/*", so it has no budget there',
      });

      const missing = await counters(service, method, { rule: 'items', clientId: 'c1' });
      expect(missing.status).toBe(400);
      expect(await json(missing)).toMatchObject({ field: 'resource' });

      const ignored = await counters(service, method, { rule: 'search', clientId: 'c1', resource: 'GET /search' });
      expect(ignored.status).toBe(400);
      expect(await json(ignored)).toMatchObject({
        field: 'resource',
        reason: 'is not allowed: the rule keeps one budget for every resource (it is not perResource)',
      });
      expect((await counters(service, method, { rule: 'search', clientId: 'c1' })).status).toBe(
        method === 'GET' ? 200 : 204,
      );
      // An unknown rule is still a 404, resource or not.
      expect((await counters(service, method, { rule: 'nope', clientId: 'c1', resource: 'x' })).status).toBe(404);
    }
  });

  it('counts invalid keys per calling service without a body ip: past its count, even its valid keys are refused unchecked', async () => {
    const created = await json<{ key: string }>(
      await adminFetch(service, 'POST', '/v1/admin/api-keys', { tier: 'free' }),
    );
    const guess = (n: number) => postCheck(service, { clientId: 'guesser', apiKey: `fgk_guess-${n}` }, CALLER_HEADERS);
    // Within the caller's count (10): each guess is looked up and answered 401.
    for (let n = 0; n < 10; n++) expect((await guess(n)).status).toBe(401);
    // Counting is off the response path: the refusal follows within a few more guesses.
    let refused: Response | undefined;
    for (let n = 10; n < 40 && refused === undefined; n++) {
      const res = await guess(n);
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(401);
    }
    expect(refused).toBeDefined();
    expect(await json(refused!)).toMatchObject({ allowed: false, reason: 'blocked' });
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);

    // A valid key from that caller too: a different answer would tell a guess that hit.
    const valid = await postCheck(service, { clientId: 'guesser', apiKey: created.key }, CALLER_HEADERS);
    expect(valid.status).toBe(429);
    expect(await json(valid)).toMatchObject({
      reason: 'blocked',
      message: 'Too many invalid API keys from this caller: its API keys are refused for now',
    });
    // Another service is not held to it; nor is this one when it presents no key.
    expect((await postCheck(service, { clientId: 'x', apiKey: created.key }, OTHER_CALLER_HEADERS)).status).toBe(200);
    expect((await postCheck(service, { clientId: 'no-key' }, CALLER_HEADERS)).status).toBe(200);

    // The board shows the caller over Floodgate's own policy, marked internal; a rule's caller is not.
    expect((await postCheck(service, { clientId: 'reader', resource: 'GET /items/7' }, CALLER_HEADERS)).status).toBe(
      200,
    );
    expect((await postCheck(service, { clientId: 'reader', resource: 'GET /items/7' }, CALLER_HEADERS)).status).toBe(
      429,
    );
    const board = await json<{ items: Json[] }>(await adminFetch(service, 'GET', '/v1/admin/over-limit?limit=100'));
    expect(board.items).toContainEqual(
      expect.objectContaining({ rule: 'api-key-failures-caller', identity: 'caller:tests', internal: true }),
    );
    expect(board.items).toContainEqual(
      expect.objectContaining({
        rule: 'items',
        policy: 'items|GET /items/7',
        identity: 'client:reader',
        internal: false,
      }),
    );
  });

  it('refuses an address block wider than the configured prefix unless forced, and audits a forced one as forced', async () => {
    const block = (value: string, extra: Json = {}) =>
      adminFetch(service, 'POST', '/v1/admin/blocks', {
        type: 'ip',
        value,
        durationMs: 60_000,
        reason: 'test',
        ...extra,
      });
    for (const value of ['0.0.0.0/0', '::/0', '10.0.0.0/12', '2001:db8::/31']) {
      const res = await block(value);
      expect({ value, status: res.status }).toEqual({ value, status: 400 });
      const body = await json(res);
      expect(body).toMatchObject({ field: 'value' });
      expect(String(body.reason)).toContain('send "force": true');
      expect(String(body.message)).toBe(`value: ${String(body.reason)}`);
    }
    expect(await json(await block('10.0.0.0/12', { force: 'yes' }))).toMatchObject({ field: 'force' });

    const narrow = await json<{ id: string }>(await block('10.1.0.0/16'));
    const forced = await block('4000::/16', { force: true });
    expect(forced.status).toBe(201);
    const { id } = await json<{ id: string }>(forced);
    const auditOf = async (target: string) =>
      (
        await json<{ items: { action: string; after: Json }[] }>(
          await adminFetch(service, 'GET', `/v1/admin/audit?targetType=block&targetId=${target}`),
        )
      ).items;
    expect(await auditOf(id)).toEqual([
      expect.objectContaining({
        action: 'block.create',
        after: expect.objectContaining({ value: '4000::/16', forced: true }),
      }),
    ]);
    const [narrowEntry] = await auditOf(narrow.id);
    expect(narrowEntry!.after).not.toHaveProperty('forced');

    // A bodiless DELETE with a JSON content type lifts it; bad JSON is still a 400 on `body`.
    expect(await json(await bodilessDelete(service, `/v1/admin/blocks/${id}`, '{'))).toMatchObject({
      statusCode: 400,
      field: 'body',
    });
    expect((await bodilessDelete(service, `/v1/admin/blocks/${id}`)).status).toBe(204);
    expect((await bodilessDelete(service, `/v1/admin/blocks/${narrow.id}`)).status).toBe(204);
    expect((await adminFetch(service, 'GET', `/v1/admin/blocks/${id}`)).status).toBe(404);
    // A POST without a body is still refused.
    const empty = await fetch(`${service.url}/v1/admin/blocks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    });
    expect(await json(empty)).toMatchObject({ statusCode: 400, field: 'body', message: 'body: must not be empty' });
  });

  it("takes an API key's prefix for apiKey blocks and allow entries, and answers one allow entry by id", async () => {
    const key = await json<{ id: string; prefix: string }>(
      await adminFetch(service, 'POST', '/v1/admin/api-keys', { tier: 'pro' }),
    );
    expect(key.prefix).toMatch(/^fgk_.{8}$/);
    const blocked = await adminFetch(service, 'POST', '/v1/admin/blocks', {
      type: 'apiKey',
      value: key.prefix,
      durationMs: 60_000,
      reason: 'leaked key, ticket 12',
    });
    expect(blocked.status).toBe(201);
    expect(await json(blocked)).toMatchObject({ type: 'apiKey', value: key.id });

    const allowed = await adminFetch(service, 'POST', '/v1/admin/allowlist', { type: 'apiKey', value: key.prefix });
    expect(allowed.status).toBe(201);
    const entry = await json<Json & { id: string }>(allowed);
    expect(entry).toMatchObject({ type: 'apiKey', value: key.id });
    const { rulesVersion: _version, ...stored } = entry;
    const read = await adminFetch(service, 'GET', `/v1/admin/allowlist/${entry.id}`);
    expect(read.status).toBe(200);
    expect(await json(read)).toEqual(stored);

    const unknown = await adminFetch(service, 'POST', '/v1/admin/allowlist', { type: 'apiKey', value: 'fgk_AAAAAAAA' });
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toMatchObject({ field: 'value', reason: "is not an API key's id or prefix" });
    const misshapen = await adminFetch(service, 'POST', '/v1/admin/allowlist', { type: 'apiKey', value: 'fgk_short' });
    expect(await json(misshapen)).toMatchObject({ statusCode: 400, field: 'value' });

    expect((await bodilessDelete(service, `/v1/admin/allowlist/${entry.id}`)).status).toBe(204);
    expect((await adminFetch(service, 'GET', `/v1/admin/allowlist/${entry.id}`)).status).toBe(404);
    expect(await json(await adminFetch(service, 'GET', '/v1/admin/allowlist/not-a-uuid'))).toMatchObject({
      statusCode: 400,
      field: 'id',
    });
  });

  it('answers a top-level blockDurationMs where it was sent, and takes the rule back as it was answered', async () => {
    const created = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'penalised',
      match: { clientId: 'p' },
      limits: [{ limit: 1, windowMs: 60_000 }],
      blockDurationMs: 5_000,
    });
    expect(created.status).toBe(201);
    const rule = await json<Json & { id: string }>(created);
    expect(rule).toMatchObject({ blockDurationMs: 5_000, penalty: { blockDurationMs: 5_000 } });
    expect(await json(await adminFetch(service, 'GET', `/v1/admin/rules/${rule.id}`))).toMatchObject({
      blockDurationMs: 5_000,
    });
    // The answer's two spellings, sent back, are one penalty.
    const same = await adminFetch(service, 'PATCH', `/v1/admin/rules/${rule.id}`, {
      blockDurationMs: 5_000,
      penalty: { blockDurationMs: 5_000 },
      priority: 1,
    });
    expect(same.status).toBe(200);
    const differ = await adminFetch(service, 'PATCH', `/v1/admin/rules/${rule.id}`, {
      blockDurationMs: 5_000,
      penalty: { blockDurationMs: 6_000 },
    });
    expect(differ.status).toBe(400);
    expect(await json(differ)).toMatchObject({ field: 'penalty' });
    // The answered copy is no part of the rule: a patch changes or removes the penalty freely.
    const progressed = await adminFetch(service, 'PATCH', `/v1/admin/rules/${rule.id}`, {
      penalty: { blockDurationMs: 2_000, multiplier: 2 },
    });
    expect(progressed.status).toBe(200);
    expect(await json(progressed)).not.toHaveProperty('blockDurationMs');
    const fixedAgain = await json(
      await adminFetch(service, 'PATCH', `/v1/admin/rules/${rule.id}`, { blockDurationMs: 3_000 }),
    );
    expect(fixedAgain).toMatchObject({ blockDurationMs: 3_000, penalty: { blockDurationMs: 3_000 } });
    const removed = await adminFetch(service, 'PATCH', `/v1/admin/rules/${rule.id}`, { penalty: null });
    expect(removed.status).toBe(200);
    const plain = await json(removed);
    expect(plain).not.toHaveProperty('blockDurationMs');
    expect(plain).not.toHaveProperty('penalty');
    // A progressive penalty has no short spelling.
    const progressive = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'progressive',
      match: { clientId: 'q' },
      limits: [{ limit: 1, windowMs: 60_000 }],
      penalty: { blockDurationMs: 1_000, multiplier: 2 },
    });
    expect(progressive.status).toBe(201);
    expect(await json(progressive)).not.toHaveProperty('blockDurationMs');
  });

  it('writes messages as the field, a colon, and the reason', async () => {
    const res = await counters(service, 'GET', { rule: 'search' });
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      message: 'clientId: give exactly one of clientId and ip',
      field: 'clientId',
      reason: 'give exactly one of clientId and ip',
    });
  });
});

describe('Floodgate service: a configured admin lockout', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      ADMIN_AUTH_FAILURE_LIMIT: '2',
      ADMIN_AUTH_FAILURE_WINDOW_MS: '600000',
    });
  });
  afterAll(() => service.close());

  it('locks an address out after ADMIN_AUTH_FAILURE_LIMIT failures, the right token included', async () => {
    expect((await adminFetch(service, 'GET', '/v1/admin/audit')).status).toBe(200);
    const wrong = 'not-the-admin-token-0123456789';
    expect((await adminFetch(service, 'GET', '/v1/admin/audit', undefined, wrong)).status).toBe(401);
    expect((await adminFetch(service, 'GET', '/v1/admin/audit', undefined, wrong)).status).toBe(401);
    expect((await adminFetch(service, 'GET', '/v1/admin/audit', undefined, wrong)).status).toBe(429);
    // Refused alike: a 200 here would tell a guesser that this guess was the right one.
    const right = await adminFetch(service, 'GET', '/v1/admin/audit');
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
