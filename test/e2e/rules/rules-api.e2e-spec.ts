import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrismaService } from '../../../src/db/index.js';
import {
  RulesPolicyResolver,
  RulesRefresher,
  RulesRepository,
  RulesSnapshot,
  SnapshotWrites,
} from '../../../src/rules/index.js';
import { query, useTestDatabase } from '../../db/support/test-database.js';
import { READONLY_TOKEN, type RulesNode, startRulesNode } from './rules-app.js';

const SETUP_TIMEOUT_MS = 60_000;
const REFRESH_INTERVAL_MS = 200;
const RULES = '/v1/admin/rules';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
/** Nothing listens there: the kernel refuses the connection at once. */
const UNREACHABLE_URL = 'postgresql://postgres@127.0.0.1:1/nowhere';
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../rules/fixtures/invalid');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ruleBody = (name: string, extra: Json = {}): Json => ({
  name,
  match: { resource: `GET /${name}` },
  limits: [{ limit: 100, windowMs: 60_000 }],
  ...extra,
});

async function json(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

/** This file's database: made before the first test, dropped after the last. */
const db = useTestDatabase();

describe('Rules API: /v1/admin/rules on Postgres, enforced through the rules snapshot', () => {
  let node: RulesNode;
  let other: RulesNode;

  beforeAll(async () => {
    node = await startRulesNode(db.url, REFRESH_INTERVAL_MS);
    other = await startRulesNode(db.url, REFRESH_INTERVAL_MS);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await node?.close();
    await other?.close();
  });

  async function create(name: string, extra: Json = {}): Promise<Json> {
    const response = await node.admin('POST', RULES, { body: ruleBody(name, extra) });
    expect(response.status).toBe(201);
    return json(response);
  }

  async function rulesVersion(): Promise<number> {
    return (await json(await node.admin('GET', `${RULES}/version`))).rulesVersion as number;
  }

  it('loads a first snapshot at start', () => {
    expect(node.refresher.loaded).toBe(true);
    expect(other.refresher.loaded).toBe(true);
    expect(node.refresher.failures).toBe(0);
  });

  it('creates (201, Location, ETag, defaults, rulesVersion), reads, updates and deletes a rule', async () => {
    const before = await rulesVersion();
    const response = await node.admin('POST', RULES, {
      body: ruleBody('crud', { description: 'the round trip', match: { resource: 'GET /crud', tier: 'free' } }),
    });
    expect(response.status).toBe(201);
    const created = await json(response);
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      name: 'crud',
      description: 'the round trip',
      match: { resource: 'GET /crud', tier: 'free' },
      algorithm: 'sliding_window',
      limits: [{ limit: 100, windowMs: 60_000 }],
      enabled: true,
      shadow: false,
      priority: 0,
      perResource: false,
      version: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      rulesVersion: before + 1,
    });
    expect(response.headers.get('location')).toBe(`${RULES}/${created.id}`);
    expect(response.headers.get('etag')).toBe('"1"');

    const read = await node.admin('GET', `${RULES}/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    const { rulesVersion: _written, ...stored } = created;
    expect(await json(read)).toEqual(stored);

    const patched = await node.admin('PATCH', `${RULES}/${created.id}`, { body: { priority: 7, enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(await json(patched)).toMatchObject({
      name: 'crud',
      priority: 7,
      enabled: false,
      match: { resource: 'GET /crud', tier: 'free' },
      version: 2,
      rulesVersion: before + 2,
    });

    const deleted = await node.admin('DELETE', `${RULES}/${created.id}`);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await node.admin('GET', `${RULES}/${created.id}`)).status).toBe(404);
    expect(await rulesVersion()).toBe(before + 3);
  });

  it('refuses a duplicate name with 409 and writes nothing', async () => {
    await create('duplicate');
    const before = await rulesVersion();
    const response = await node.admin('POST', RULES, { body: ruleBody('duplicate') });
    expect(response.status).toBe(409);
    expect(await json(response)).toMatchObject({ statusCode: 409, error: 'Conflict', field: 'name' });
    expect(await rulesVersion()).toBe(before);
    const [{ count }] = await query<{ count: string }>(
      db.url,
      "SELECT count(*) FROM rule_audit WHERE after->>'name' = $1",
      ['duplicate'],
    );
    expect(Number(count)).toBe(1);
  });

  it('refuses renaming a rule to a taken name with 409', async () => {
    await create('rename-taken');
    const rule = await create('rename-source');
    const response = await node.admin('PATCH', `${RULES}/${rule.id}`, { body: { name: 'rename-taken' } });
    expect(response.status).toBe(409);
  });

  it('lists with filters and bounded pagination', async () => {
    await create('list-a', { match: { resource: 'GET /listed' }, algorithm: 'gcra' });
    await create('list-b', { match: { resource: 'GET /listed' }, enabled: false });
    await create('list-c', { match: { resource: 'GET /listed' } });
    await create('list-d', { match: { resource: 'GET /listed-not' } });

    const byResource = await json(await node.admin('GET', `${RULES}?resource=${encodeURIComponent('GET /listed')}`));
    expect(byResource.total).toBe(3);
    expect(byResource.items.map((r: Json) => r.name)).toEqual(['list-a', 'list-b', 'list-c']);

    const enabled = await json(
      await node.admin('GET', `${RULES}?resource=${encodeURIComponent('GET /listed')}&enabled=true`),
    );
    expect(enabled.items.map((r: Json) => r.name)).toEqual(['list-a', 'list-c']);
    const gcra = await json(await node.admin('GET', `${RULES}?algorithm=gcra`));
    expect(gcra.items.map((r: Json) => r.name)).toEqual(['list-a']);

    const page = await json(
      await node.admin('GET', `${RULES}?resource=${encodeURIComponent('GET /listed')}&limit=2&offset=1`),
    );
    expect(page).toEqual({
      total: 3,
      items: [expect.objectContaining({ name: 'list-b' }), expect.objectContaining({ name: 'list-c' })],
    });

    const all = await json(await node.admin('GET', RULES));
    expect(all.items.length).toBe(Math.min(20, all.total));

    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
      ['enabled=yes', 'enabled'],
      ['algorithm=leaky', 'algorithm'],
      ['sort=name', 'sort'],
    ]) {
      const response = await node.admin('GET', `${RULES}?${query}`);
      expect(response.status).toBe(400);
      expect(await json(response)).toMatchObject({ statusCode: 400, field });
    }
    expect((await node.admin('GET', `${RULES}?limit=100&offset=0`)).status).toBe(200);
  });

  it('answers 412 to a stale If-Match, as an ETag or a plain version', async () => {
    const rule = await create('if-match');
    const first = await node.admin('PATCH', `${RULES}/${rule.id}`, {
      body: { priority: 1 },
      headers: { 'if-match': '"1"' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');

    const stale = await node.admin('PATCH', `${RULES}/${rule.id}`, {
      body: { priority: 2 },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.status).toBe(412);
    expect(await json(stale)).toMatchObject({ statusCode: 412, error: 'Precondition Failed' });
    const stalePlain = await node.admin('PATCH', `${RULES}/${rule.id}`, {
      body: { priority: 2 },
      headers: { 'if-match': '1' },
    });
    expect(stalePlain.status).toBe(412);

    const plain = await node.admin('PATCH', `${RULES}/${rule.id}`, {
      body: { priority: 3 },
      headers: { 'if-match': '2' },
    });
    expect(plain.status).toBe(200);
    expect(await json(plain)).toMatchObject({ priority: 3, version: 3 });

    const malformed = await node.admin('PATCH', `${RULES}/${rule.id}`, {
      body: { priority: 4 },
      headers: { 'if-match': 'v3' },
    });
    expect(malformed.status).toBe(400);
    expect(await json(malformed)).toMatchObject({ field: 'If-Match' });

    const staleDelete = await node.admin('DELETE', `${RULES}/${rule.id}`, { headers: { 'if-match': '"2"' } });
    expect(staleDelete.status).toBe(412);
    expect((await node.admin('GET', `${RULES}/${rule.id}`)).status).toBe(200);
  });

  it('applies every one of concurrent PATCHes, none lost', async () => {
    const rule = await create('concurrent');
    const before = await rulesVersion();

    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => node.admin('PATCH', `${RULES}/${rule.id}`, { body: { priority: i + 1 } })),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const versions = (await Promise.all(responses.map(json))).map((r) => r.version as number).sort((a, b) => a - b);
    expect(versions).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await rulesVersion()).toBe(before + 10);
    const history = (await json(await node.admin('GET', `${RULES}/${rule.id}/history`))).items as Json[];
    const updates = history.filter((entry) => entry.action === 'update');
    expect(updates.map((entry) => entry.before.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const final = await json(await node.admin('GET', `${RULES}/${rule.id}`));
    expect(final).toMatchObject({ version: 11, priority: updates.at(-1)!.after.priority });
  });

  it('keeps both of two concurrent PATCHes to different fields', async () => {
    const rule = await create('two-fields');
    const [a, b] = await Promise.all([
      node.admin('PATCH', `${RULES}/${rule.id}`, { body: { description: 'changed' } }),
      node.admin('PATCH', `${RULES}/${rule.id}`, { body: { shadow: true } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await json(await node.admin('GET', `${RULES}/${rule.id}`))).toMatchObject({
      description: 'changed',
      shadow: true,
      version: 3,
    });
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { priority: 1 }],
      ['DELETE', '', undefined],
      ['GET', '/history', undefined],
    ] as const) {
      const missing = await node.admin(method, `${RULES}/${MISSING_ID}${suffix}`, body === undefined ? {} : { body });
      expect(missing.status).toBe(404);
      expect(await json(missing)).toMatchObject({ statusCode: 404, error: 'Not Found' });
      const malformed = await node.admin(method, `${RULES}/not-a-uuid${suffix}`, body === undefined ? {} : { body });
      expect(malformed.status).toBe(400);
      expect(await json(malformed)).toMatchObject({ statusCode: 400, field: 'id', reason: 'must be a UUID' });
    }
  });

  it('keeps the history (also of a deleted rule) and rolls a rule back to an earlier version', async () => {
    const rule = await create('history', { priority: 1 });
    await node.admin('PATCH', `${RULES}/${rule.id}`, {
      body: { priority: 2, limits: [{ limit: 5, windowMs: 1_000 }] },
    });
    const rolledBack = await node.admin('POST', `${RULES}/${rule.id}/rollback`, { body: { version: 1 } });
    expect(rolledBack.status).toBe(200);
    const restored = await json(rolledBack);
    expect(restored).toMatchObject({ priority: 1, limits: [{ limit: 100, windowMs: 60_000 }], version: 3 });
    expect(restored.rulesVersion).toBe(await rulesVersion());

    expect((await node.admin('DELETE', `${RULES}/${rule.id}`)).status).toBe(204);
    const history = await node.admin('GET', `${RULES}/${rule.id}/history`);
    expect(history.status).toBe(200);
    const items = (await json(history)).items as Json[];
    expect(items.map(({ version, action, actor }) => ({ version, action, actor }))).toEqual([
      { version: 1, action: 'create', actor: 'admin' },
      { version: 2, action: 'update', actor: 'admin' },
      { version: 3, action: 'rollback', actor: 'admin' },
      { version: 3, action: 'delete', actor: 'admin' },
    ]);
    expect(items[0]).toMatchObject({ before: null, after: { priority: 1 }, at: expect.any(String) });
    expect(items[1]).toMatchObject({ before: { priority: 1 }, after: { priority: 2 } });
    expect(items[3]).toMatchObject({ before: { version: 3 }, after: null });
    const rulesVersions = items.map((item) => item.rulesVersion as number);
    expect([...rulesVersions].sort((a, b) => a - b)).toEqual(rulesVersions);

    // A deleted rule comes back, with its id, as the next version.
    const revived = await node.admin('POST', `${RULES}/${rule.id}/rollback`, { body: { version: 2 } });
    expect(revived.status).toBe(200);
    expect(await json(revived)).toMatchObject({ id: rule.id, priority: 2, version: 4 });

    const unknownVersion = await node.admin('POST', `${RULES}/${rule.id}/rollback`, { body: { version: 99 } });
    expect(unknownVersion.status).toBe(400);
    expect(await json(unknownVersion)).toMatchObject({ field: 'version' });
    const badBody = await node.admin('POST', `${RULES}/${rule.id}/rollback`, { body: { version: '1' } });
    expect(await json(badBody)).toMatchObject({ statusCode: 400, field: 'version' });
  });

  it('grows rulesVersion by exactly one per write', async () => {
    const start = await rulesVersion();
    const a = await create('version-a');
    expect(a.rulesVersion).toBe(start + 1);
    const b = await json(await node.admin('PATCH', `${RULES}/${a.id}`, { body: { priority: 9 } }));
    expect(b.rulesVersion).toBe(start + 2);
    await node.admin('DELETE', `${RULES}/${a.id}`);
    expect(await rulesVersion()).toBe(start + 3);
    expect(node.refresher.version).toBe(start + 3);
  });

  it('enforces a created rule on this node as soon as the POST answers', async () => {
    await create('two-a-minute', { match: { resource: 'GET /enforced' }, limits: [{ limit: 2, windowMs: 60_000 }] });
    const statuses: number[] = [];
    let last: Json = {};
    for (let i = 0; i < 3; i++) {
      const response = await node.check({ clientId: 'enforced-client', resource: 'GET /enforced' });
      statuses.push(response.status);
      last = await json(response);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last).toMatchObject({ allowed: false, limit: 2, rule: 'two-a-minute' });
  });

  it('reaches another node on the same database within the refresh interval', async () => {
    const probe = { clientId: 'probe', resource: 'GET /elsewhere', cost: 0 };
    expect(await json(await other.check(probe))).not.toMatchObject({ rule: 'elsewhere' });

    await create('elsewhere', { match: { resource: 'GET /elsewhere' }, limits: [{ limit: 1, windowMs: 60_000 }] });

    const deadline = Date.now() + 20 * REFRESH_INTERVAL_MS;
    let seen: Json = {};
    while (Date.now() < deadline) {
      seen = await json(await other.check(probe));
      if (seen.rule === 'elsewhere') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen).toMatchObject({ rule: 'elsewhere', limit: 1 });
    expect(other.refresher.version).toBe(node.refresher.version);
  });

  it('validates bodies end to end with the field and reason', async () => {
    for (const fixture of ['name-missing', 'limit-string', 'limits-duplicate-window', 'match-unknown-field']) {
      const { body, error } = JSON.parse(readFileSync(path.join(FIXTURES, `${fixture}.json`), 'utf8')) as Json;
      const response = await node.admin('POST', RULES, { body });
      expect({ fixture, status: response.status }).toEqual({ fixture, status: 400 });
      expect(await json(response)).toMatchObject({ statusCode: 400, error: 'Bad Request', ...error });
    }
    const rule = await create('validated');
    const patch = await node.admin('PATCH', `${RULES}/${rule.id}`, { body: { priority: '5' } });
    expect(patch.status).toBe(400);
    expect(await json(patch)).toMatchObject({ field: 'priority' });
    const unknown = await node.admin('PATCH', `${RULES}/${rule.id}`, { body: { colour: 'red' } });
    expect(await json(unknown)).toMatchObject({ statusCode: 400, field: 'colour', reason: 'is not allowed' });
    const notJson = await node.admin('POST', RULES, { body: '{"name":' });
    expect(notJson.status).toBe(400);
  });

  it('lets the read-only token read but not write', async () => {
    expect((await node.admin('GET', RULES, { token: READONLY_TOKEN })).status).toBe(200);
    expect((await node.admin('POST', RULES, { token: READONLY_TOKEN, body: ruleBody('readonly') })).status).toBe(403);
    expect((await node.admin('GET', RULES, { token: 'x'.repeat(32) })).status).toBe(401);
  });

  it('leaves out a stored rule that does not compile, names it, and enforces the rest', async () => {
    const failures = node.refresher.failures;
    const [broken] = await query<{ id: string }>(
      db.url,
      `INSERT INTO rules (name, match, algorithm, limits, enabled, shadow, priority)
       VALUES ('broken', '{"resource":"GET /broken"}', 'sliding_window', '[{}]', true, false, 0) RETURNING id`,
    );
    await query(db.url, 'UPDATE rules_version SET version = version + 1');
    const [{ version }] = (await query<{ version: string }>(db.url, 'SELECT version FROM rules_version')) as [
      { version: string },
    ];
    try {
      await node.refresher.check();
      expect(node.refresher.failures).toBe(failures);
      expect(node.refresher.version).toBe(Number(version));
      expect(node.refresher.invalid).toEqual([
        {
          section: 'rules',
          id: broken!.id,
          name: 'broken',
          reason: 'limits[0].limit is required; limits[0].windowMs is required',
        },
      ]);
      const enforced = await node.check({ clientId: 'after-broken', resource: 'GET /enforced' });
      expect(await json(enforced)).toMatchObject({ rule: 'two-a-minute' });
      // The broken rule is not enforced: its resource falls through to what else applies (nothing here).
      expect(await json(await node.check({ clientId: 'after-broken', resource: 'GET /broken' }))).not.toMatchObject({
        rule: 'broken',
      });
    } finally {
      await query(db.url, "DELETE FROM rules WHERE name = 'broken'");
      await query(db.url, 'UPDATE rules_version SET version = version + 1');
    }
    await node.refresher.check();
    expect(node.refresher.version).toBe(Number(version) + 1);
    expect(node.refresher.invalid).toEqual([]);
  });
});

describe('Rules storage unavailable', () => {
  let prisma: PrismaService;
  let writes: SnapshotWrites;
  let repository: RulesRepository;

  beforeAll(() => {
    prisma = new PrismaService({ url: UNREACHABLE_URL });
    writes = new SnapshotWrites(prisma);
    repository = new RulesRepository(prisma, writes);
  });
  afterAll(() => prisma.$disconnect());

  it('answers writes and reads with 503 and a clear message', async () => {
    const body = {
      ...ruleBody('offline'),
      algorithm: 'sliding_window',
      enabled: true,
      shadow: false,
      priority: 0,
      perResource: false,
    } as never;
    await expect(repository.create(body, 'admin')).rejects.toMatchObject({
      status: 503,
      response: { statusCode: 503, message: 'rules storage is unavailable; try again' },
    });
    await expect(repository.findById(MISSING_ID)).rejects.toMatchObject({ status: 503 });
  });

  it('keeps the last good snapshot when a load fails, and counts it', async () => {
    const resolver = new RulesPolicyResolver();
    const policy = {
      name: 'kept',
      algorithm: 'sliding_window',
      limits: [{ limit: 1, windowMs: 1_000 }],
      shadow: false,
    } as const;
    resolver.swap(new RulesSnapshot([], 4, { defaultPolicy: policy }));
    const options = { defaultPolicy: undefined, refreshIntervalMs: 60_000 };
    const refresher = new RulesRefresher(repository, resolver, options, writes, null);

    await refresher.onModuleInit();
    await refresher.check();
    await refresher.onModuleDestroy();

    expect(refresher.failures).toBe(2);
    expect(resolver.current.version).toBe(4);
    expect(resolver.resolve({ resource: 'GET /x' })).toBe(policy);
  });

  it('is not loaded until a first snapshot arrives', async () => {
    const options = { defaultPolicy: undefined, refreshIntervalMs: 60_000 };
    const refresher = new RulesRefresher(repository, new RulesPolicyResolver(), options, writes, null);
    expect(await refresher.reload()).toBe(false);
    expect(refresher.loaded).toBe(false);
    expect(refresher.failures).toBe(1);
  });
});
