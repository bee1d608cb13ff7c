/**
 * `GET /v1/check/auth-request` on the real service (Redis, Postgres), called as nginx calls it:
 * the answers, their headers, the 400s naming the header at fault, and that it is one decision with
 * `POST /v1/check`: the same counter for the same client (its address as `clientId`) and resource.
 */
import { parseExposition, valueOf } from '../../support/prometheus.js';
import { waitFor } from '../../support/redis-server.mjs';
import {
  adminFetch,
  CALLER_HEADERS,
  json,
  postCheck,
  type RunningService,
  useService,
  useServiceDatabase,
  useServiceFleet,
} from './service-harness.js';

useServiceDatabase();

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What nginx sends for a client at `ip` asking `METHOD uri` (see deploy/nginx/auth-request.conf). */
function nginxHeaders(ip: string, method: string, uri: string): Record<string, string> {
  return { 'x-real-ip': ip, 'x-original-method': method, 'x-original-uri': uri };
}

function authRequest(service: RunningService, headers: Record<string, string>): Promise<Response> {
  return fetch(`${service.url}/v1/check/auth-request`, { headers });
}

/** The rate-limit headers of a response, by their lower-case names. */
function limitHeaders(res: Response): Record<string, string> {
  const names = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit'];
  return Object.fromEntries(names.flatMap((name) => (res.headers.has(name) ? [[name, res.headers.get(name)!]] : [])));
}

describe('Floodgate service: GET /v1/check/auth-request from a trusted proxy with a caller token', () => {
  const service = useService({
    checkCallers: true,
    env: { TRUSTED_PROXIES: 'loopback', BLOCK_RESPONSE_STATUS: '403', API_KEY_FAILURE_LIMIT: '2' },
    rules: [
      { name: 'search', match: { resource: 'GET /search' }, limits: [{ limit: 2, windowMs: 60_000 }] },
      { name: 'shared', match: { resource: 'GET /shared' }, limits: [{ limit: 3, windowMs: 60_000 }] },
    ],
  });
  /** nginx with its token, asking for the client `ip`. */
  const ask = (ip: string, method: string, uri: string, extra: Record<string, string> = {}) =>
    authRequest(service, { ...CALLER_HEADERS, ...nginxHeaders(ip, method, uri), ...extra });

  it('answers 204 with the rate-limit headers and no body while allowed, then 429 with them and Retry-After', async () => {
    const first = await ask('203.0.113.1', 'GET', '/search?q=floodgate');
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    expect(limitHeaders(first)).toEqual({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'x-ratelimit-reset': expect.stringMatching(/^\d+$/),
      'ratelimit-policy': '"search";q=2;w=60',
      ratelimit: expect.stringMatching(/^"search";r=1;t=\d+$/),
    });
    expect(first.headers.get('retry-after')).toBeNull();
    expect((await ask('203.0.113.1', 'GET', '/search?q=other')).status).toBe(204);
    const refused = await ask('203.0.113.1', 'GET', '/search');
    expect(refused.status).toBe(429);
    const retryAfter = refused.headers.get('retry-after');
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(limitHeaders(refused)).toMatchObject({
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': retryAfter,
      ratelimit: `"search";r=0;t=${retryAfter}`,
    });
    expect(await json(refused)).toMatchObject({ allowed: false, limit: 2, remaining: 0, rule: 'search' });
    // Counted per client address: another client has its own budget.
    expect((await ask('203.0.113.2', 'GET', '/search')).status).toBe(204);
  });

  it('is one decision with POST /v1/check: the same counter for the client address as clientId and the resource', async () => {
    const client = '198.51.100.7';
    const statuses = [
      (await ask(client, 'GET', '/shared?page=1')).status,
      (await postCheck(service, { clientId: client, resource: 'GET /shared' }, CALLER_HEADERS)).status,
      (await ask(client, 'HEAD', '/shared')).status,
      (await postCheck(service, { clientId: client, resource: 'GET /shared' }, CALLER_HEADERS)).status,
      (await ask(client, 'GET', '//shared/')).status,
    ];
    // The last is another resource ("GET /shared/"): the trailing slash is kept, as nginx keeps it.
    expect(statuses).toEqual([204, 200, 204, 429, 204]);
  });

  it('counts an IPv6 client by its /64, as the guard does', async () => {
    expect((await ask('2001:db8:7:7::1', 'GET', '/search')).status).toBe(204);
    expect((await ask('2001:db8:7:7::2', 'GET', '/search')).status).toBe(204);
    expect((await ask('2001:db8:7:7:ffff::3', 'GET', '/search')).status).toBe(429);
  });

  it("refuses an invalid API key with 401 and WWW-Authenticate, and blocks the client's address past the failure limit", async () => {
    const client = '192.0.2.44';
    for (const key of ['fgk_bad-1', 'fgk_bad-2', 'fgk_bad-3']) {
      const refused = await ask(client, 'GET', '/search', { 'x-api-key': key });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('ApiKey header="X-API-Key"');
      expect(await json(refused)).toMatchObject({ statusCode: 401, reason: 'invalid_api_key' });
    }
    // The failures are counted against the address nginx named; the block is written asynchronously.
    await waitFor(async () => (await ask(client, 'GET', '/search')).status === 403, 'the address blocked', 10_000);
    const blocked = await ask(client, 'GET', '/search');
    expect(blocked.status).toBe(403);
    expect(await json(blocked)).toMatchObject({ allowed: false, reason: 'blocked' });
    expect((await ask('192.0.2.45', 'GET', '/search')).status).toBe(204);
  });

  it("lets a valid key's tier pick the rules", async () => {
    const rule = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'search-gold',
      match: { resource: 'GET /search', tier: 'gold' },
      limits: [{ limit: 7, windowMs: 60_000 }],
    });
    expect(rule.status).toBe(201);
    const { key } = await json<{ key: string }>(
      await adminFetch(service, 'POST', '/v1/admin/api-keys', { tier: 'gold' }),
    );
    const allowed = await ask('192.0.2.60', 'GET', '/search', { 'x-api-key': key });
    expect(allowed.status).toBe(204);
    expect(limitHeaders(allowed)).toMatchObject({
      'x-ratelimit-limit': '7',
      'ratelimit-policy': '"search-gold";q=7;w=60',
    });
  });

  it('refuses a blocked address with 403 (BLOCK_RESPONSE_STATUS), Retry-After and the public reason', async () => {
    const created = await adminFetch(service, 'POST', '/v1/admin/blocks', {
      type: 'ip',
      value: '203.0.113.128/25',
      durationMs: 600_000,
      reason: 'test',
      publicReason: 'Your network is blocked',
    });
    expect(created.status).toBe(201);
    const refused = await ask('203.0.113.200', 'GET', '/anything');
    expect(refused.status).toBe(403);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await json(refused)).toMatchObject({ reason: 'blocked', message: 'Your network is blocked' });
  });

  it('answers 401 without the caller token, before it reads any header', async () => {
    const refused = await authRequest(service, nginxHeaders('203.0.113.9', 'GET', '/search'));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="floodgate-check"');
    const noHeaders = await authRequest(service, {});
    expect(noHeaders.status).toBe(401);
  });

  it('answers 400 naming each header that is missing or unusable, never a 500', async () => {
    const missing = await authRequest(service, {
      ...CALLER_HEADERS,
      'x-real-ip': '203.0.113.9',
      'x-original-method': 'GET',
    });
    expect(missing.status).toBe(400);
    expect(await json(missing)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'X-Original-URI: is required: the URI of the request ($request_uri)',
      field: 'X-Original-URI',
      reason: 'is required: the URI of the request ($request_uri)',
      errors: [{ field: 'X-Original-URI', reason: 'is required: the URI of the request ($request_uri)' }],
    });
    const cases: [Record<string, string>, string, string][] = [
      [nginxHeaders('not-an-ip', 'GET', '/'), 'X-Real-IP', 'must be an IPv4 or IPv6 address'],
      [
        nginxHeaders('203.0.113.9', 'G E T', '/'),
        'X-Original-Method',
        'must be an HTTP method (a token of 1 to 32 characters)',
      ],
      [
        nginxHeaders('203.0.113.9', 'GET', '/%ZZ'),
        'X-Original-URI',
        'has a percent-escape that is malformed or not UTF-8',
      ],
      [nginxHeaders('203.0.113.9', 'GET', '/../admin'), 'X-Original-URI', 'climbs above the root with ".."'],
      [
        { 'x-original-method': 'GET', 'x-original-uri': '/' },
        'X-Real-IP',
        'is required (or X-Forwarded-For): the address of the client ($remote_addr)',
      ],
    ];
    for (const [headers, field, reason] of cases) {
      const res = await authRequest(service, { ...CALLER_HEADERS, ...headers });
      expect({ headers, status: res.status, body: await json(res) }).toEqual({
        headers,
        status: 400,
        body: expect.objectContaining({ field, reason }),
      });
    }
  });

  it('takes the client from X-Forwarded-For when X-Real-IP is absent, as the guard does', async () => {
    const headers = { ...CALLER_HEADERS, 'x-original-method': 'GET', 'x-original-uri': '/search' };
    const chain = { ...headers, 'x-forwarded-for': '203.0.113.250, 192.0.2.99' };
    expect((await authRequest(service, chain)).status).toBe(204);
    expect((await authRequest(service, chain)).status).toBe(204);
    expect((await authRequest(service, chain)).status).toBe(429);
    // The right-most hop that is not a trusted proxy is the client: the forged first one is not.
    expect((await ask('192.0.2.99', 'GET', '/search')).status).toBe(429);
  });

  it('shows its decisions under entry="auth_request" in /metrics', async () => {
    const samples = parseExposition(await (await fetch(`${service.url}/metrics`)).text());
    const count = valueOf(samples, 'floodgate_decision_duration_seconds_count', {
      entry: 'auth_request',
      source: 'store',
    });
    expect(count).toBeGreaterThanOrEqual(10);
  });
});

describe('Floodgate service: GET /v1/check/auth-request without TRUSTED_PROXIES or CHECK_TOKENS', () => {
  const service = useService();

  it('believes no one naming a client: a 400 naming the header, since the caller is no trusted proxy', async () => {
    for (const [name, value] of [
      ['x-real-ip', '203.0.113.5'],
      ['x-forwarded-for', '203.0.113.5'],
    ] as const) {
      const res = await authRequest(service, { 'x-original-method': 'GET', 'x-original-uri': '/', [name]: value });
      expect(res.status).toBe(400);
      expect(await json<Json>(res)).toMatchObject({
        field: name === 'x-real-ip' ? 'X-Real-IP' : 'X-Forwarded-For',
        reason: 'is believed only from a trusted proxy (TRUSTED_PROXIES), which 127.0.0.1 is not',
      });
    }
  });
});

describe('Floodgate service: GET /v1/check/auth-request failing closed', () => {
  const fleet = useServiceFleet({
    redis: 'own',
    env: { RATE_LIMIT_FAIL_MODE: 'closed', RATE_LIMIT_INSURANCE_NODES: '0', TRUSTED_PROXIES: 'loopback' },
  });
  const [service] = fleet.nodes;

  it('answers 503 with Retry-After while the store is down, and 204 once it is back', async () => {
    const headers = nginxHeaders('203.0.113.77', 'GET', '/search');
    expect((await authRequest(service, headers)).status).toBe(204);
    await fleet.redis.kill();
    const refused = await authRequest(service, headers);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await json(refused)).toMatchObject({ allowed: false });
    await fleet.redis.start();
    await waitFor(
      async () => (await authRequest(service, headers)).status === 204,
      'decisions from Redis again',
      10_000,
    );
    expect((await authRequest(service, headers)).status).toBe(204);
  });
});
