/**
 * Postgres failing in ways other than a dropped socket: a database that refuses connections
 * (SQLSTATE 55000) or is gone (3D000). Every admin call answers 503 with Retry-After, never a
 * 500, and a counter reset asked for meanwhile is neither done nor recorded.
 */
import { randomBytes } from 'node:crypto';
import { POSTGRES_ADMIN_URL, query } from '../../db/support/test-database.js';
import { adminFetch, postCheck, useServiceFleet } from './service-harness.js';

/** Admin calls of every kind: reads and writes of each collection. */
const ADMIN_CALLS: [method: string, path: string, body?: unknown][] = [
  ['GET', '/v1/admin/rules'],
  [
    'POST',
    '/v1/admin/rules',
    { name: 'while-down', match: { resource: 'GET /x' }, limits: [{ limit: 1, windowMs: 1_000 }] },
  ],
  ['GET', '/v1/admin/api-keys'],
  ['POST', '/v1/admin/api-keys', { tier: 'free' }],
  ['GET', '/v1/admin/blocks'],
  ['POST', '/v1/admin/blocks', { type: 'clientId', value: 'x', durationMs: 60_000, reason: 'r' }],
  ['GET', '/v1/admin/allowlist'],
  ['POST', '/v1/admin/allowlist', { type: 'clientId', value: 'vip' }],
  ['GET', '/v1/admin/audit'],
  ['PUT', '/v1/admin/system/state', { state: 'DEGRADED' }],
  ['GET', '/v1/admin/counters?rule=default&clientId=reset-me'],
  ['DELETE', '/v1/admin/counters?rule=default&clientId=reset-me'],
];

describe.each([
  ['refuses connections (55000)', 'refuse'],
  ['is gone (3D000)', 'drop'],
] as const)('Floodgate service: the database %s', (_, fault) => {
  const fleet = useServiceFleet({
    database: 'own',
    env: { DEFAULT_LIMIT: '3', RULES_REFRESH_INTERVAL_MS: '60000' },
    // Connections allowed again, so that the fleet can drop the database (if it is still there).
    beforeStop: () =>
      query(POSTGRES_ADMIN_URL, `ALTER DATABASE "${fleet.database.name}" ALLOW_CONNECTIONS true`).catch(
        () => undefined,
      ),
  });
  const [service] = fleet.nodes;

  it('answers every admin call 503 with Retry-After, changes nothing, and /v1/check goes on', async () => {
    // Used up before the fault: a reset would show.
    for (let i = 0; i < 3; i++) await postCheck(service, { clientId: 'reset-me' });
    expect((await postCheck(service, { clientId: 'reset-me' })).status).toBe(429);

    const { name } = fleet.database;
    if (fault === 'refuse') {
      await query(POSTGRES_ADMIN_URL, `ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      // Sever the connections the service holds, so every call needs a new one.
      await query(POSTGRES_ADMIN_URL, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
        name,
      ]);
    } else {
      await query(POSTGRES_ADMIN_URL, `DROP DATABASE "${name}" WITH (FORCE)`);
    }

    for (const [method, path, body] of ADMIN_CALLS) {
      const res = await adminFetch(service, method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 503 });
      expect({ method, path, retryAfter: res.headers.get('retry-after') }).toEqual({
        method,
        path,
        retryAfter: expect.stringMatching(/^\d+$/),
      });
      expect(await res.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    }
    // The reset refused: the caller's counters are as they were.
    expect((await postCheck(service, { clientId: 'reset-me' })).status).toBe(429);
    // Decisions never needed Postgres.
    expect((await postCheck(service, { clientId: `fresh-${randomBytes(3).toString('hex')}` })).status).toBe(200);
  });
});
