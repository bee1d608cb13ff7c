/**
 * One malformed rule must never freeze the fleet's control plane. `limits: [[]]` used to be
 * accepted, stored as `[{}]`, and fail every node's snapshot load from then on: every later rule,
 * block, key, allow-list entry and state change was acknowledged but never enforced, and a node
 * started after it never became ready. Here: such bodies are refused on every write path, a rule
 * row that cannot compile (however it got into the database) is left out and named while every
 * other change still reaches every node, and a node whose loads keep failing says its rules are
 * stale once it has been behind for longer than its bound.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RulesRefresher } from '../../../src/rules/index.js';
import { SystemStateHolder } from '../../../src/system/index.js';
import {
  createMigratedDatabase,
  POSTGRES_ADMIN_URL,
  query,
  type TestDatabase,
} from '../../db/support/test-database.js';
import { parseExposition, valueOf } from '../../support/prometheus.js';
import { adminFetch, json, postCheck, type RunningService, startService, uniquePrefix } from './service-harness.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SETUP_TIMEOUT_MS = 60_000;
const RULES = '/v1/admin/rules';
/** Far longer than any wait here: only an announcement (or a write's own load) moves a node. */
const REFRESH_INTERVAL_MS = '60000';
const PROPAGATION_BOUND_MS = 2_000;

const LIMIT = { limit: 1, windowMs: 60_000 };

/** The bodies the security review found stored as `[{}]`, and the item each must be refused for. */
const FREEZING_BODIES: [string, Json, string][] = [
  ['limits [[]]', { limits: [[]] }, 'limits[0]'],
  ['limits [[[]]]', { limits: [[[]]] }, 'limits[0]'],
  ['a limit, then []', { limits: [LIMIT, []] }, 'limits[1]'],
  ['stateLimits.DEGRADED [[]]', { limits: [LIMIT], stateLimits: { DEGRADED: [[]] } }, 'stateLimits.DEGRADED[0]'],
];

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = PROPAGATION_BOUND_MS) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(10);
  }
  return condition();
}

async function rulesVersion(service: RunningService): Promise<number> {
  return (await json<{ rulesVersion: number }>(await adminFetch(service, 'GET', `${RULES}/version`))).rulesVersion;
}

describe('Floodgate service: one malformed rule never freezes the control plane', () => {
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createMigratedDatabase();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      RULES_REFRESH_INTERVAL_MS: REFRESH_INTERVAL_MS,
    };
    a = await startService(env);
    b = await startService(env);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it.each(FREEZING_BODIES)(
    'refuses %s on create and on patch, naming the item, and changes nothing',
    async (_, fields, field) => {
      const before = await rulesVersion(a);
      const name = `frozen-${randomBytes(3).toString('hex')}`;
      const create = await adminFetch(a, 'POST', RULES, { name, match: { resource: `GET /${name}` }, ...fields });
      expect(create.status).toBe(400);
      expect(await json(create)).toMatchObject({ statusCode: 400, field, reason: 'must be an object' });

      const rule = await json(
        await adminFetch(a, 'POST', RULES, { name, match: { resource: `GET /${name}` }, limits: [LIMIT] }),
      );
      const patch = await adminFetch(a, 'PATCH', `${RULES}/${rule.id}`, fields);
      expect(patch.status).toBe(400);
      expect(await json(patch)).toMatchObject({ statusCode: 400, field, reason: 'must be an object' });
      // Only the valid rule's own create moved the version.
      expect(await rulesVersion(a)).toBe(before + 1);
      expect(a.app.get(RulesRefresher).invalid).toEqual([]);
    },
  );

  it('refuses a rollback to a version that is not valid now, and changes nothing', async () => {
    const rule = await json(
      await adminFetch(a, 'POST', RULES, { name: 'rolled', match: { resource: 'GET /rolled' }, limits: [LIMIT] }),
    );
    expect(
      (await adminFetch(a, 'PATCH', `${RULES}/${rule.id}`, { limits: [{ limit: 5, windowMs: 60_000 }] })).status,
    ).toBe(200);
    // What an audit row written before the validation was fixed holds for such a rule.
    await query(
      db.url,
      `UPDATE rule_audit SET after = jsonb_set(after::jsonb, '{limits}', '[{}]')
       WHERE rule_id = $1 AND (after->>'version')::int = 1`,
      [rule.id],
    );
    const before = await rulesVersion(a);
    const rollback = await adminFetch(a, 'POST', `${RULES}/${rule.id}/rollback`, { version: 1 });
    expect(rollback.status).toBe(400);
    expect(await json(rollback)).toMatchObject({
      field: 'version',
      reason: 'holds a rule that is not valid: limits[0].limit is required; limits[0].windowMs is required',
    });
    expect(await rulesVersion(a)).toBe(before);
    expect(await json(await adminFetch(a, 'GET', `${RULES}/${rule.id}`))).toMatchObject({
      version: 2,
      limits: [{ limit: 5, windowMs: 60_000 }],
    });
  });

  it('leaves out a rule row written by hand, names it, and every later change still reaches every node', async () => {
    const [broken] = await query<{ id: string }>(
      db.url,
      `INSERT INTO rules (name, match, algorithm, limits, enabled, shadow, priority)
       VALUES ('hand-written', '{"resource":"GET /hand-written"}', 'sliding_window', '[{}]', true, false, 0)
       RETURNING id`,
    );
    const brokenId = broken!.id;
    const onB = b.app.get(RulesRefresher);
    const reaches = async (version: unknown) => {
      expect(await waitUntil(() => onB.version >= (version as number))).toBe(true);
    };

    // A rule.
    const rule = await adminFetch(a, 'POST', RULES, {
      name: 'after-broken',
      match: { resource: 'GET /after-broken' },
      limits: [LIMIT],
    });
    expect(rule.status).toBe(201);
    await reaches((await json(rule)).rulesVersion);
    const statuses = [];
    for (let i = 0; i < 2; i++) {
      statuses.push((await postCheck(b, { clientId: 'c-rule', resource: 'GET /after-broken' })).status);
    }
    expect(statuses).toEqual([200, 429]);

    // A block.
    const block = await adminFetch(a, 'POST', '/v1/admin/blocks', {
      type: 'clientId',
      value: 'c-blocked',
      durationMs: 600_000,
      reason: 'drill',
    });
    expect(block.status).toBe(201);
    await reaches((await json(block)).rulesVersion);
    expect(await json(await postCheck(b, { clientId: 'c-blocked' }))).toMatchObject({ allowed: false });

    // An API key, then its revocation.
    const key = await adminFetch(a, 'POST', '/v1/admin/api-keys', { tier: 'pro' });
    expect(key.status).toBe(201);
    const { id: keyId, key: secret, rulesVersion: keyVersion } = await json(key);
    await reaches(keyVersion);
    expect((await postCheck(b, { clientId: 'c-key', apiKey: secret })).status).toBe(200);
    const revoke = await adminFetch(a, 'POST', `/v1/admin/api-keys/${keyId}/revoke`);
    expect(revoke.status).toBe(200);
    await reaches((await json(revoke)).rulesVersion);
    expect((await postCheck(b, { clientId: 'c-key', apiKey: secret })).status).toBe(401);

    // An allow-list entry: the client is never limited, even on the one-a-minute rule.
    const allow = await adminFetch(a, 'POST', '/v1/admin/allowlist', { type: 'clientId', value: 'c-vip' });
    expect(allow.status).toBe(201);
    await reaches((await json(allow)).rulesVersion);
    for (let i = 0; i < 3; i++) {
      expect((await postCheck(b, { clientId: 'c-vip', resource: 'GET /after-broken' })).status).toBe(200);
    }

    // The load state.
    const state = await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'DEGRADED', reason: 'drill' });
    expect(state.status).toBe(200);
    await reaches((await json(state)).rulesVersion);
    expect(b.app.get(SystemStateHolder).state).toBe('DEGRADED');

    // Every node names the row it leaves out, in /health and /metrics, and logged it once.
    for (const node of [a, b]) {
      const health = await fetch(`${node.url}/health`);
      expect(health.status).toBe(200);
      expect((await json<Json>(health)).details.rules).toEqual({
        status: 'up',
        version: await rulesVersion(a),
        invalid: [
          {
            section: 'rules',
            id: brokenId,
            name: 'hand-written',
            reason: 'limits[0].limit is required; limits[0].windowMs is required',
          },
        ],
      });
      const metrics = parseExposition(await (await fetch(`${node.url}/metrics`)).text());
      expect(valueOf(metrics, 'floodgate_rules_invalid', { section: 'rules' })).toBe(1);
    }
    const logged = a.logs.filter((line) => line.msg === 'stored rules row left out: it cannot be enforced');
    expect(logged.filter((line) => line.id === brokenId).length).toBeGreaterThanOrEqual(1);
    // Once per node that loaded it, not once per load.
    expect(logged.filter((line) => line.id === brokenId).length).toBeLessThanOrEqual(2);

    // A node started now becomes ready at once and takes valid keys.
    const key2 = await json(await adminFetch(a, 'POST', '/v1/admin/api-keys', { tier: 'pro' }));
    const c = await startService(env);
    try {
      expect((await fetch(`${c.url}/health`)).status).toBe(200);
      expect((await postCheck(c, { clientId: 'c-new-node', apiKey: key2.key })).status).toBe(200);
      expect(c.app.get(RulesRefresher).invalid.map(({ id }) => id)).toEqual([brokenId]);
    } finally {
      await c.close();
    }

    // Fixed by hand: nothing is left out any more.
    await query(db.url, `UPDATE rules SET limits = '[{"limit":3,"windowMs":60000}]' WHERE id = $1`, [brokenId]);
    const put = await adminFetch(a, 'PUT', '/v1/admin/system/state', { state: 'NORMAL', reason: 'drill over' });
    await reaches((await json(put)).rulesVersion);
    expect(onB.invalid).toEqual([]);
    const metrics = parseExposition(await (await fetch(`${b.url}/metrics`)).text());
    expect(valueOf(metrics, 'floodgate_rules_invalid', { section: 'rules' })).toBe(0);
  });
});

describe('Floodgate service: a node whose rules loads keep failing', () => {
  const role = `floodgate_stale_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let writer: RunningService;
  let behind: RunningService;

  beforeAll(async () => {
    db = await createMigratedDatabase();
    const databaseName = new URL(db.url).pathname.slice(1);
    await query(POSTGRES_ADMIN_URL, `CREATE ROLE ${role} LOGIN`);
    await query(db.url, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await query(db.url, `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    await query(POSTGRES_ADMIN_URL, `GRANT CONNECT ON DATABASE "${databaseName}" TO ${role}`);
    // No Redis: the node behind learns of new versions only from its periodic check of rules_version.
    writer = await startService({ DATABASE_URL: db.url, RULES_REFRESH_INTERVAL_MS: '200' });
    behind = await startService({
      DATABASE_URL: db.url.replace('postgres@', `${role}@`),
      MIGRATE_ON_START: 'false',
      RULES_REFRESH_INTERVAL_MS: '200',
      RULES_STALE_AFTER_MS: '1000',
    });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await writer?.close();
    await behind?.close();
    await db?.drop();
    await query(POSTGRES_ADMIN_URL, `DROP ROLE IF EXISTS ${role}`);
  });

  async function healthWhen(status: number): Promise<{ status: number; body: Json }> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const res = await fetch(`${behind.url}/health`);
      const answer = { status: res.status, body: await json(res) };
      if (answer.status === status || Date.now() > deadline) return answer;
      await sleep(100);
    }
  }

  it('reports its rules stale once behind the stored version for longer than RULES_STALE_AFTER_MS, and recovers', async () => {
    expect((await healthWhen(200)).status).toBe(200);
    const refresher = behind.app.get(RulesRefresher);
    const failures = refresher.failures;
    // It can still read rules_version (so it knows it is behind), but no longer load the snapshot.
    await query(db.url, `REVOKE SELECT ON blocks FROM ${role}`);
    try {
      const rule = await json<Json>(
        await adminFetch(writer, 'POST', RULES, { name: 'late', match: { resource: 'GET /late' }, limits: [LIMIT] }),
      );
      const stale = await healthWhen(503);
      expect(stale.status).toBe(503);
      expect(stale.body.error.rules).toMatchObject({
        status: 'down',
        version: rule.rulesVersion - 1,
        storedVersion: rule.rulesVersion,
        behindForMs: expect.any(Number),
        message: expect.stringContaining('rules stale'),
      });
      expect(stale.body.error.rules.behindForMs).toBeGreaterThan(1_000);
      expect(refresher.failures).toBeGreaterThan(failures);
      expect((await fetch(`${behind.url}/health/live`)).status).toBe(200);
    } finally {
      await query(db.url, `GRANT SELECT ON blocks TO ${role}`);
    }
    const recovered = await healthWhen(200);
    expect(recovered.status).toBe(200);
    expect(recovered.body.details.rules).toEqual({ status: 'up', version: refresher.version });
    expect(refresher.version).toBe(await rulesVersion(writer));
  });
});
