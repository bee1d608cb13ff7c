/**
 * Every admin route of issue 5 asks for the admin token (401 without it, with the bearer
 * challenge) and its writes for the full one (403 for the read-only token), before it looks at
 * anything else, and never changes anything for a refused request.
 */
import { adminFetch, useService, useServiceDatabase } from './service-harness.js';

useServiceDatabase();

const READONLY_TOKEN = 'test-readonly-token-0123456789';
const ID = '00000000-0000-4000-8000-000000000000';

const READS: [string, string][] = [
  ['GET', '/v1/admin/api-keys'],
  ['GET', `/v1/admin/api-keys/${ID}`],
  ['GET', '/v1/admin/blocks'],
  ['GET', `/v1/admin/blocks/${ID}`],
  ['GET', '/v1/admin/allowlist'],
  ['GET', '/v1/admin/system/state'],
  ['GET', '/v1/admin/counters?rule=default&clientId=a'],
  ['GET', '/v1/admin/audit'],
  ['GET', '/v1/admin/over-limit'],
];

const WRITES: [string, string, unknown][] = [
  ['POST', '/v1/admin/api-keys', { tier: 'pro' }],
  ['PATCH', `/v1/admin/api-keys/${ID}`, { tier: 'pro' }],
  ['POST', `/v1/admin/api-keys/${ID}/revoke`, undefined],
  ['POST', '/v1/admin/blocks', { type: 'clientId', value: 'x', durationMs: 60_000, reason: 'r' }],
  ['DELETE', `/v1/admin/blocks/${ID}`, undefined],
  ['POST', '/v1/admin/allowlist', { type: 'clientId', value: 'x' }],
  ['DELETE', `/v1/admin/allowlist/${ID}`, undefined],
  ['PUT', '/v1/admin/system/state', { state: 'DEGRADED' }],
  ['DELETE', '/v1/admin/counters?rule=default&clientId=a', undefined],
];

describe('Floodgate service: admin authentication on the operations routes', () => {
  const service = useService({
    env: {
      ADMIN_READONLY_TOKEN: READONLY_TOKEN,
      // Each refused request below counts as a failed login: keep the lockout out of the way.
      TRUSTED_PROXIES: 'loopback',
    },
  });

  /** A request from its own address, so the failed-login lockout never mixes in. */
  const as = (token: string | undefined, method: string, path: string, body: unknown, n: number) =>
    fetch(`${service.url}${path}`, {
      method,
      headers: {
        'x-forwarded-for': `198.51.100.${n}`,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('answers 401 with the bearer challenge to every operations route without a token', async () => {
    let n = 0;
    for (const [method, path, body] of [...READS.map(([m, p]) => [m, p, undefined] as const), ...WRITES]) {
      const res = await as(undefined, method, path, body, ++n);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="floodgate-admin"');
    }
  });

  it('lets the read-only token read, and answers 403 to each of its writes, changing nothing', async () => {
    let n = 100;
    for (const [method, path] of READS) {
      const res = await as(READONLY_TOKEN, method, path, undefined, ++n);
      // A read passes the guard: 200, or the route's own 404 for the made-up id.
      expect({ method, path, ok: [200, 404].includes(res.status) }).toEqual({ method, path, ok: true });
    }
    for (const [method, path, body] of WRITES) {
      const res = await as(READONLY_TOKEN, method, path, body, ++n);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    // The only audited thing is the read-only token's counters read (reads of counters are audited too).
    const audit = (await (await adminFetch(service, 'GET', '/v1/admin/audit')).json()) as {
      items: { action: string; actor: string }[];
    };
    expect(audit.items).toEqual([expect.objectContaining({ action: 'counters.read', actor: 'admin-readonly' })]);
    const state = (await (await adminFetch(service, 'GET', '/v1/admin/system/state')).json()) as { state: string };
    expect(state.state).toBe('NORMAL');
  });
});
