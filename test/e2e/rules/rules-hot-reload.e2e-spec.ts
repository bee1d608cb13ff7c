import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { serialize } from 'node:v8';
import { RedisRulesResolver, type SnapshotReadResult } from '../../../src/rules/index.js';
import {
  createMigratedDatabase,
  POSTGRES_ADMIN_URL,
  query,
  type TestDatabase,
} from '../../db/support/test-database.js';
import { type RedisServerHandle, startRedisServer } from '../../support/redis-server.mjs';
import { type RedisRulesNode, startRedisRulesNode } from './redis-rules-app.js';

const SETUP_TIMEOUT_MS = 60_000;
const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
/** The redis-server this file starts and kills (its own loopback port). */
const KILLABLE_REDIS_PORT = 6389;
/** Long enough that only a pub/sub announcement can explain a node catching up during a test. */
const REFRESH_INTERVAL_MS = 60_000;
const OUTBOX_INTERVAL_MS = 200;
/** The bound a change must reach another node within (the goal is milliseconds; this is a wide margin). */
const PROPAGATION_BOUND_MS = 2_000;
const RULES = '/v1/admin/rules';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every node here: announced on `channel` of the Redis at `redisUrl`, its periodic check far off. */
const nodeOptions = (redisUrl: string, channel: string) => ({
  redisUrl,
  rulesChannel: channel,
  refreshIntervalMs: REFRESH_INTERVAL_MS,
  outboxIntervalMs: OUTBOX_INTERVAL_MS,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uniqueChannel = () => `floodgate-test:rules:${randomBytes(6).toString('hex')}`;

const ruleBody = (name: string, limit = 1): Json => ({
  name,
  match: { resource: `GET /${name}` },
  limits: [{ limit, windowMs: 60_000 }],
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(1);
  }
  return condition();
}

async function created(response: Response): Promise<Json> {
  expect(response.status).toBe(201);
  return (await response.json()) as Json;
}

async function outboxRow(url: string, rulesVersion: number): Promise<{ published_at: Date | null }> {
  const [row] = await query<{ published_at: Date | null }>(
    url,
    'SELECT published_at FROM outbox WHERE rules_version = $1',
    [rulesVersion],
  );
  return row!;
}

describe('Rules hot reload over Redis pub/sub', () => {
  const channel = uniqueChannel();
  let db: TestDatabase;
  let writer: RedisRulesNode;
  let reader: RedisRulesNode;
  let redis: Redis;

  beforeAll(async () => {
    db = await createMigratedDatabase();
    const options = nodeOptions(SHARED_REDIS_URL, channel);
    writer = await startRedisRulesNode(db.url, options);
    reader = await startRedisRulesNode(db.url, options);
    redis = new Redis(SHARED_REDIS_URL);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await redis?.del(`${channel}:snapshot`);
    redis?.disconnect();
    await db?.drop();
  });

  it('enforces a rule written on one node on another within milliseconds, and marks its outbox row published', async () => {
    const before = reader.refresher.version;
    const start = performance.now();
    const write = writer.post(RULES, ruleBody('hot'));
    expect(await waitUntil(() => reader.refresher.version > before, PROPAGATION_BOUND_MS)).toBe(true);
    const latencyMs = performance.now() - start;
    const { rulesVersion } = await created(await write);
    console.log(`rules propagation: write sent -> other node reloaded in ${latencyMs.toFixed(1)} ms`);

    expect(latencyMs).toBeLessThan(PROPAGATION_BOUND_MS);
    expect(reader.refresher.version).toBe(rulesVersion);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await reader.check({ clientId: 'c1', resource: 'GET /hot' })).status);
    expect(statuses).toEqual([200, 429]);

    expect(await waitUntil(async () => (await outboxRow(db.url, rulesVersion)).published_at !== null, 2_000)).toBe(
      true,
    );
  });

  it('keeps propagating every later write within the bound', async () => {
    const latencies: number[] = [];
    const answered: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = reader.refresher.version;
      const start = performance.now();
      const write = writer.post(RULES, ruleBody(`warm-${i}`));
      expect(await waitUntil(() => reader.refresher.version > before, PROPAGATION_BOUND_MS)).toBe(true);
      latencies.push(performance.now() - start);
      expect(reader.refresher.version).toBe((await created(await write)).rulesVersion);
      answered.push(performance.now() - start);
    }
    const format = (values: number[]) => values.map((ms) => ms.toFixed(1)).join(', ');
    console.log(
      `rules propagation (warm): other node reloaded ${format(latencies)} ms; write answered ${format(answered)} ms`,
    );
    expect(Math.max(...latencies)).toBeLessThan(PROPAGATION_BOUND_MS);
  });

  it('announces versions on the configured channel', async () => {
    const listener = new Redis(SHARED_REDIS_URL);
    try {
      const heard: string[] = [];
      listener.on('message', (_channel: string, message: string) => heard.push(message));
      await listener.subscribe(channel);
      const { rulesVersion } = await created(await writer.post(RULES, ruleBody('announced')));
      expect(await waitUntil(() => heard.includes(String(rulesVersion)), 2_000)).toBe(true);
    } finally {
      listener.disconnect();
    }
  });

  it('stores the compiled rule set for library nodes, and a RedisRulesResolver follows it', async () => {
    const stored = await redis.hgetall(`${channel}:snapshot`);
    expect(Number(stored.version)).toBe(writer.refresher.version);
    expect((JSON.parse(stored.rules!) as Json[]).map((rule) => rule.name).sort()).toEqual([
      'announced',
      'hot',
      'warm-0',
      'warm-1',
      'warm-2',
      'warm-3',
      'warm-4',
    ]);

    const library = new RedisRulesResolver({
      redis: SHARED_REDIS_URL,
      channel,
      refreshIntervalMs: REFRESH_INTERVAL_MS,
    });
    await library.start();
    try {
      expect(library.loaded).toBe(true);
      expect(library.current.version).toBe(writer.refresher.version);
      expect(library.resolve({ resource: 'GET /hot' })).toMatchObject({ name: 'hot', limits: [{ limit: 1 }] });
      expect(library.resolve({ resource: 'GET /library' })).toBeUndefined();

      const { rulesVersion } = await created(await writer.post(RULES, ruleBody('library', 7)));
      expect(await waitUntil(() => library.current.version === rulesVersion, PROPAGATION_BOUND_MS)).toBe(true);
      expect(library.resolve({ resource: 'GET /library' })).toMatchObject({ name: 'library', limits: [{ limit: 7 }] });

      const rules = JSON.parse((await redis.hget(`${channel}:snapshot`, 'rules'))!) as Json[];
      // A stored set that does not decode is refused: the last good snapshot stays, the failure counted.
      await redis.hset(`${channel}:snapshot`, 'version', String(rulesVersion + 100), 'rules', '{"name":"Bad"}');
      expect(await library.reload()).toBe(false);
      expect(library.failures).toBe(1);
      expect(library.current.version).toBe(rulesVersion);
      expect(library.resolve({ resource: 'GET /library' })).toMatchObject({ name: 'library' });

      // A rule in it that does not compile is left out and named; the rest is enforced.
      const bad = { ...rules[0], id: randomUUID(), name: 'Bad', limits: [{}] };
      await redis.hset(
        `${channel}:snapshot`,
        'version',
        String(rulesVersion + 101),
        'rules',
        JSON.stringify([...rules, bad]),
      );
      expect(await library.reload()).toBe(true);
      expect(library.failures).toBe(1);
      expect(library.current.version).toBe(rulesVersion + 101);
      expect(library.current.invalidRules).toEqual([
        { id: bad.id, name: 'Bad', reason: expect.stringContaining('name') },
      ]);
      expect(library.resolve({ resource: 'GET /library' })).toMatchObject({ name: 'library' });
    } finally {
      await library.close();
    }
  });

  it('announces a version only once its snapshot is stored in Redis', async () => {
    const subscriber = new Redis(SHARED_REDIS_URL);
    const seen: { announced: number; stored: number }[] = [];
    try {
      await subscriber.subscribe(channel);
      // Read at once, on another connection: what a node told of the version would find.
      subscriber.on('message', (_channel: string, message: string) => {
        void redis.hget(`${channel}:snapshot`, 'version').then((stored) => {
          seen.push({ announced: Number(message), stored: Number(stored) });
        });
      });
      const versions: number[] = [];
      for (let i = 0; i < 5; i++)
        versions.push((await created(await writer.post(RULES, ruleBody(`ordered-${i}`)))).rulesVersion);
      expect(await waitUntil(() => versions.every((v) => seen.some((s) => s.announced === v)), 2_000)).toBe(true);
      for (const { announced, stored } of seen) expect(stored).toBeGreaterThanOrEqual(announced);
    } finally {
      subscriber.disconnect();
    }
  });
});

describe('Catching up from the snapshot stored in Redis', () => {
  const channel = uniqueChannel();
  /** The reader signs in to Postgres as a role of its own, so a test can take its database away. */
  const readerRole = `floodgate_reader_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let writer: RedisRulesNode;
  let reader: RedisRulesNode;
  /** On a channel of its own: it hears nothing, and a test hands it what to catch up with. */
  let isolated: RedisRulesNode;
  let redis: Redis;

  const readerCanConnect = async (allowed: boolean) => {
    await query(POSTGRES_ADMIN_URL, `ALTER ROLE ${readerRole} ${allowed ? 'LOGIN' : 'NOLOGIN'}`);
    if (!allowed) {
      await query(POSTGRES_ADMIN_URL, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
        readerRole,
      ]);
    }
  };
  const reads = (node: RedisRulesNode, result: SnapshotReadResult) => node.refresher.snapshotReads.get(result) ?? 0;

  beforeAll(async () => {
    db = await createMigratedDatabase();
    await query(POSTGRES_ADMIN_URL, `CREATE ROLE ${readerRole} LOGIN SUPERUSER`);
    const options = nodeOptions(SHARED_REDIS_URL, channel);
    writer = await startRedisRulesNode(db.url, options);
    reader = await startRedisRulesNode(db.url.replace('postgres@', `${readerRole}@`), options);
    // No outbox passes either: they would announce the writer's versions on its channel.
    isolated = await startRedisRulesNode(db.url, {
      ...options,
      rulesChannel: `${channel}:isolated`,
      outboxIntervalMs: REFRESH_INTERVAL_MS,
    });
    redis = new Redis(SHARED_REDIS_URL);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await isolated?.close();
    await redis?.del(`${channel}:snapshot`, `${channel}:isolated:snapshot`);
    redis?.disconnect();
    await db?.drop();
    await query(POSTGRES_ADMIN_URL, `DROP ROLE IF EXISTS ${readerRole}`);
  });

  it('takes an announced change from Redis, with its own Postgres unreachable', async () => {
    await readerCanConnect(false);
    try {
      const applied = reads(reader, 'applied');
      const { rulesVersion } = await created(await writer.post(RULES, ruleBody('from-redis')));
      expect(await waitUntil(() => reader.refresher.version === rulesVersion, PROPAGATION_BOUND_MS)).toBe(true);
      expect(reads(reader, 'applied')).toBe(applied + 1);
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++)
        statuses.push((await reader.check({ clientId: 'c1', resource: 'GET /from-redis' })).status);
      expect(statuses).toEqual([200, 429]);
    } finally {
      await readerCanConnect(true);
    }
  });

  /**
   * A rule written on the writer, then `fields` put into the isolated node's snapshot (given the
   * writer's stored snapshot of that write), then the isolated node told of the version: how its
   * read ended, and whether it enforced the rule after.
   */
  async function catchUpWith(name: string, fields: (stored: Record<string, Buffer>, version: number) => object) {
    const { rulesVersion } = await created(await writer.post(RULES, ruleBody(name)));
    const stored = await redis.hgetallBuffer(`${channel}:snapshot`);
    await redis.hset(`${channel}:isolated:snapshot`, fields(stored, rulesVersion));
    const before = new Map(isolated.refresher.snapshotReads);
    const caughtUp = await isolated.refresher.catchUp(rulesVersion);
    const result = [...isolated.refresher.snapshotReads].find(([key, count]) => count !== (before.get(key) ?? 0));
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++)
      statuses.push((await isolated.check({ clientId: 'c1', resource: `GET /${name}` })).status);
    return { caughtUp, result: result?.[0], version: isolated.refresher.version, rulesVersion, statuses };
  }

  it("applies another node's stored snapshot of the announced version", async () => {
    const outcome = await catchUpWith('copied', (stored) => stored);
    expect(outcome).toMatchObject({ caughtUp: true, result: 'applied', statuses: [200, 429] });
    expect(outcome.version).toBe(outcome.rulesVersion);
  });

  it('loads from Postgres instead when the stored snapshot is older, of another database, or written without sections', async () => {
    const older = await catchUpWith('older', (stored, version) => ({
      ...stored,
      version: String(version - 1),
      sections: serialize({ version: version - 1, databaseId: randomUUID(), sections: {} }),
    }));
    const foreign = await catchUpWith('foreign', (stored, version) => ({
      ...stored,
      sections: serialize({ version, databaseId: randomUUID(), sections: {} }),
    }));
    const rulesOnly = await catchUpWith('rules-only', (stored, version) => ({
      ...stored,
      sections: serialize({ version: version - 1, databaseId: randomUUID(), sections: {} }),
    }));
    for (const outcome of [older, foreign, rulesOnly]) {
      expect(outcome).toMatchObject({ caughtUp: true, result: 'stale', statuses: [200, 429] });
      expect(outcome.version).toBe(outcome.rulesVersion);
    }
  });

  it('loads from Postgres instead when the stored snapshot does not decode or compile', async () => {
    const undecodable = await catchUpWith('undecodable', (stored) => ({
      ...stored,
      sections: Buffer.from('not a snapshot'),
    }));
    const notAList = await catchUpWith('not-a-list', (stored) => ({
      ...stored,
      rules: JSON.stringify({ name: 'Not A Rule', createdAt: new Date(), updatedAt: new Date() }),
    }));
    for (const outcome of [undecodable, notAList]) {
      expect(outcome).toMatchObject({ caughtUp: true, result: 'failed', statuses: [200, 429] });
      expect(outcome.version).toBe(outcome.rulesVersion);
    }
  });

  it('applies a stored snapshot with a rule that does not compile, leaving that rule out and naming it', async () => {
    const id = randomUUID();
    const outcome = await catchUpWith('beside-a-bad-row', (stored) => ({
      ...stored,
      // Dates that decode, a body that does not compile.
      rules: JSON.stringify([
        ...(JSON.parse(stored.rules!.toString()) as Json[]),
        { id, name: 'Not A Rule', createdAt: new Date(), updatedAt: new Date() },
      ]),
    }));
    expect(outcome).toMatchObject({ caughtUp: true, result: 'applied', statuses: [200, 429] });
    expect(outcome.version).toBe(outcome.rulesVersion);
    expect(isolated.refresher.invalid).toEqual([
      { section: 'rules', id, name: 'Not A Rule', reason: expect.stringContaining('name must be') },
    ]);
  });
});

describe('Rules announcements while Redis is down', () => {
  const channel = uniqueChannel();
  let db: TestDatabase;
  let server: RedisServerHandle;
  let writer: RedisRulesNode;
  let reader: RedisRulesNode;

  beforeAll(async () => {
    db = await createMigratedDatabase();
    server = await startRedisServer(KILLABLE_REDIS_PORT);
    const options = nodeOptions(server.url, channel);
    writer = await startRedisRulesNode(db.url, options);
    reader = await startRedisRulesNode(db.url, options);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await server?.stop();
    await db?.drop();
  });

  it('keeps the outbox row unpublished while Redis is down and announces it once Redis is back', async () => {
    await server.kill();
    const before = reader.refresher.version;
    const { rulesVersion } = await created(await writer.post(RULES, ruleBody('while-down')));
    expect(writer.refresher.version).toBe(rulesVersion);

    // Several outbox passes fail meanwhile.
    await sleep(4 * OUTBOX_INTERVAL_MS);
    expect((await outboxRow(db.url, rulesVersion)).published_at).toBeNull();
    expect(await writer.outbox.flush()).toBe(0);
    expect(reader.refresher.version).toBe(before);

    await server.start();
    // Only the outbox job can set it: the write's own announcement failed.
    expect(await waitUntil(async () => (await outboxRow(db.url, rulesVersion)).published_at !== null, 5_000)).toBe(
      true,
    );
    expect(await waitUntil(() => reader.refresher.version === rulesVersion, 5_000)).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      statuses.push((await reader.check({ clientId: 'c1', resource: 'GET /while-down' })).status);
    }
    expect(statuses).toEqual([200, 429]);
  });
});
