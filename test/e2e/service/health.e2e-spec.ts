import { RulesRefresher } from '../../../src/rules/index.js';
import {
  createMigratedDatabase,
  POSTGRES_ADMIN_URL,
  query,
  type TestDatabase,
} from '../../db/support/test-database.js';
import {
  freePort,
  postCheck,
  type RunningService,
  startService,
  useService,
  useServiceDatabase,
  useServiceFleet,
} from './service-harness.js';

useServiceDatabase();

/** Runs one statement on the machine's Postgres as its admin. */
const asPostgresAdmin = (sql: string) => query(POSTGRES_ADMIN_URL, sql);

describe('Floodgate service: health (memory store)', () => {
  const service = useService({ redis: 'memory', env: { DEFAULT_LIMIT: '1' } });

  it('GET /health/live and GET /health (store, database and rules up) answer 200 in terminus JSON, never rate limited', async () => {
    for (let i = 0; i < 3; i++) {
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
      const ready = await fetch(`${service.url}/health`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ok',
        info: { rateLimitStore: { status: 'up' }, database: { status: 'up' }, rules: { status: 'up', version: 0 } },
        error: {},
        details: { rateLimitStore: { status: 'up' }, database: { status: 'up' }, rules: { status: 'up', version: 0 } },
      });
    }
  });
});

/** Polls `GET /health` until it answers `status` (or 5 s pass) and returns the last answer. */
async function healthWhen(service: RunningService, status: number): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const res = await fetch(`${service.url}/health`);
    const answer = { status: res.status, body: await res.json() };
    if (answer.status === status || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Floodgate service: health when the database goes away', () => {
  const fleet = useServiceFleet({ redis: 'memory', database: 'own', env: { DEFAULT_LIMIT: '100' } });
  const [service] = fleet.nodes;

  it('is 503 with the database down while /v1/check still answers, and ready again once it is back', async () => {
    expect((await healthWhen(service, 200)).status).toBe(200);
    await fleet.database.drop();

    const down = await healthWhen(service, 503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'error',
      // The node still enforces its last snapshot: the rules component stays up.
      info: { rateLimitStore: { status: 'up' }, rules: { status: 'up', version: 0 } },
      error: { database: { status: 'down', message: expect.any(String) } },
    });
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    const check = await postCheck(service, { clientId: 'while-the-database-is-down' });
    expect(check.status).toBe(200);
    expect(await check.json()).toMatchObject({ allowed: true, rule: 'default' });

    // The same name again: the pool's next connection reaches it without a restart.
    await asPostgresAdmin(`CREATE DATABASE ${fleet.database.name}`);
    const back = await healthWhen(service, 200);
    expect(back).toEqual({
      status: 200,
      body: expect.objectContaining({
        status: 'ok',
        details: { rateLimitStore: { status: 'up' }, database: { status: 'up' }, rules: { status: 'up', version: 0 } },
      }),
    });
  });
});

describe('Floodgate service: health and startup with its own Redis', () => {
  const fleet = useServiceFleet({ redis: 'own', env: { DEFAULT_LIMIT: '5' } });
  const [service] = fleet.nodes;

  it('is ready while Redis answers, 503 with the reason when it does not, ready again when it is back', async () => {
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    await fleet.redis.kill();
    const down = await fetch(`${service.url}/health`);
    expect(down.status).toBe(503);
    const body = await down.json();
    expect(body).toMatchObject({
      status: 'error',
      // The breaker may not have opened yet: no store call failed, only the health ping did.
      error: { rateLimitStore: { status: 'down', message: expect.any(String), breaker: expect.any(String) } },
    });
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    // Fail-open (the default): decisions go on while the store is down.
    const check = await postCheck(service, { clientId: 'during-outage' });
    expect(check.status).toBe(200);
    expect(check.headers.get('x-ratelimit-failed-open')).toBe('true');
    await fleet.redis.start();
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${service.url}/health`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });

  it('refuses to start when Redis is not ready in time, saying so', async () => {
    const closed = await freePort();
    await expect(startService({ REDIS_URL: `redis://127.0.0.1:${closed}`, LOG_LEVEL: 'silent' })).rejects.toThrow(
      new RegExp(`Redis was not ready within \\d+ ms .*ECONNREFUSED 127\\.0\\.0\\.1:${closed}`),
    );
  }, 15_000);
});

describe('Floodgate service: not ready before its first rules snapshot', () => {
  const role = `floodgate_unready_${Math.random().toString(36).slice(2, 10)}`;
  let database: TestDatabase;
  let service: RunningService;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    // A role that can read everything but the blocks: every snapshot load fails and keeps the default.
    await asPostgresAdmin(`CREATE ROLE ${role} LOGIN`);
    await query(database.url, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await query(database.url, `REVOKE SELECT ON blocks FROM ${role}`);
    service = await startService({
      DATABASE_URL: database.url.replace('postgres@', `${role}@`),
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'fatal',
    });
  }, 60_000);
  afterAll(async () => {
    await service?.close();
    await database?.drop();
    await asPostgresAdmin(`DROP ROLE IF EXISTS ${role}`);
  });

  it('answers 503 naming the rules component, then 200 with its version once a snapshot loads', async () => {
    const res = await fetch(`${service.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'error',
      info: { rateLimitStore: { status: 'up' }, database: { status: 'up' } },
      error: { rules: { status: 'down', message: 'no rules snapshot loaded yet', failures: expect.any(Number) } },
    });
    await query(database.url, `GRANT SELECT ON blocks TO ${role}`);
    // The node's periodic check loads it (RULES_REFRESH_INTERVAL_MS, 5 s by default); reload it now.
    await service.app.get(RulesRefresher).reload();
    const ready = await fetch(`${service.url}/health`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { details: unknown }).details).toMatchObject({
      rules: { status: 'up', version: 0 },
    });
  });
});
