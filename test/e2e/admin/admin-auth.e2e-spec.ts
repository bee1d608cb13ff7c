import { AdminModule } from '../../../src/admin/index.js';
import { adminAppModule, CapturingLogger, startAdminApp, type AdminTestApp } from './support/admin-app.js';

const ADMIN_TOKEN = 'e2e-admin-token-7f3a9c1d';
const READ_TOKEN = 'e2e-read-token-91bc44e0';
const WRONG_TOKEN = 'e2e-wrong-token-c4d2aa57';
const MAX_FAILURES = 3;

// One logger for the file: Nest's static Logger follows the most recently created app.
const logs = new CapturingLogger();

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const from = (ip: string, headers: Record<string, string> = {}): Record<string, string> => ({
  ...headers,
  'x-forwarded-for': ip,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(app: AdminTestApp, method: 'GET' | 'POST', headers: Record<string, string>) {
  const response = await app.request('/things', { method, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

describe('AdminModule (Fastify, real socket)', () => {
  let app: AdminTestApp;

  beforeAll(async () => {
    const module = adminAppModule(
      AdminModule.forRoot({ token: ADMIN_TOKEN, readonlyToken: READ_TOKEN, maxFailures: MAX_FAILURES }),
    );
    // Each test sends from its own address (X-Forwarded-For, believed from loopback), so failure
    // counts never cross tests.
    app = await startAdminApp(module, logs, ['127.0.0.1']);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('401', () => {
    let caseNumber = 0;
    it.each([
      ['no Authorization header', {}, 'Admin routes need an Authorization: Bearer <token> header'],
      [
        'another scheme',
        { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` },
        'The Authorization header must be Bearer <token>',
      ],
      ['Bearer without a token', { authorization: 'Bearer' }, 'The Authorization header must be Bearer <token>'],
      ['a wrong token', bearer(WRONG_TOKEN), 'The admin token is not valid'],
      ['a prefix of the token', bearer(ADMIN_TOKEN.slice(0, -1)), 'The admin token is not valid'],
    ])('for %s, with WWW-Authenticate', async (_, headers, message) => {
      const ip = ++caseNumber;
      for (const method of ['GET', 'POST'] as const) {
        // Two failures per case, under the limit of 3 per address.
        const response = await call(app, method, from(`203.0.113.${ip}`, headers));
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message });
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="floodgate-admin"');
      }
    });
  });

  it('lets the read-only token read, as admin-readonly', async () => {
    const response = await call(app, 'GET', from('198.51.100.2', bearer(READ_TOKEN)));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ actor: 'admin-readonly' });
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('refuses a write with the read-only token: 403', async () => {
    const response = await call(app, 'POST', from('198.51.100.2', bearer(READ_TOKEN)));
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'The read-only admin token cannot make changes',
    });
  });

  it('lets the admin token read and write, as admin', async () => {
    const read = await call(app, 'GET', from('198.51.100.3', bearer(ADMIN_TOKEN)));
    const write = await call(app, 'POST', from('198.51.100.3', bearer(ADMIN_TOKEN)));
    expect([read.status, write.status]).toEqual([200, 201]);
    expect([read.body, write.body]).toEqual([{ actor: 'admin' }, { actor: 'admin' }]);
  });

  it("exempts admin routes from the limiter's default rule, which still applies elsewhere", async () => {
    const admin: number[] = [];
    const open: number[] = [];
    for (let i = 0; i < 4; i++) {
      admin.push((await call(app, 'GET', from('198.51.100.4', bearer(ADMIN_TOKEN)))).status);
      const response = await app.request('/things/public', { headers: from('198.51.100.4') });
      await response.arrayBuffer();
      open.push(response.status);
    }
    expect(admin).toEqual([200, 200, 200, 200]);
    expect(open).toEqual([200, 200, 429, 429]);
  });

  it('refuses every admin request from an IP after too many failures, even with the right token', async () => {
    const attacker = '198.51.100.5';
    const failures: number[] = [];
    for (let i = 0; i < MAX_FAILURES; i++)
      failures.push((await call(app, 'GET', from(attacker, bearer(WRONG_TOKEN)))).status);
    expect(failures).toEqual([401, 401, 401]);

    for (const [method, token] of [
      ['GET', ADMIN_TOKEN],
      ['POST', ADMIN_TOKEN],
      ['GET', WRONG_TOKEN],
    ] as const) {
      const refused = await call(app, method, from(attacker, bearer(token)));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        rule: 'admin-auth-failures',
      });
      expect(refused.body.retryAfterMs).toBeGreaterThan(0);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.headers.get('ratelimit-policy')).toBe('"admin-auth-failures";q=3;w=60');
    }

    // Another address is not affected.
    expect((await call(app, 'GET', from('198.51.100.6', bearer(ADMIN_TOKEN)))).status).toBe(200);
  });

  it('counts an IPv6 client by its /64, like the limiter does everywhere else', async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect((await call(app, 'GET', from(`2001:db8:7:1::${i + 1}`, bearer(WRONG_TOKEN)))).status).toBe(401);
    }
    expect((await call(app, 'GET', from('2001:db8:7:1::ffff', bearer(ADMIN_TOKEN)))).status).toBe(429);
    expect((await call(app, 'GET', from('2001:db8:7:2::1', bearer(ADMIN_TOKEN)))).status).toBe(200);
  });

  it('logs failures, the crossing and refusals with the IP, and never a token', async () => {
    const ip = '198.51.100.8';
    for (let i = 0; i < MAX_FAILURES; i++) await call(app, 'POST', from(ip, bearer(WRONG_TOKEN)));
    await call(app, 'POST', from(ip, bearer(ADMIN_TOKEN)));
    await call(app, 'GET', from('198.51.100.9', bearer(READ_TOKEN)));

    const mine = logs.lines.filter((line) => line.includes(ip));
    expect(mine).toEqual([
      expect.stringMatching(/^warn Admin authentication failed from 198\.51\.100\.8 \(unknown token\) AdminAuth$/),
      expect.stringMatching(/^warn Admin authentication failed from 198\.51\.100\.8 \(unknown token\) AdminAuth$/),
      expect.stringMatching(
        /^warn Admin authentication failed from 198\.51\.100\.8 \(unknown token\): 3 failed attempts within 60 s; further admin requests from this address are refused/,
      ),
      expect.stringMatching(
        /^warn Admin request from 198\.51\.100\.8 refused: too many failed authentication attempts; retry in \d+ s AdminAuth$/,
      ),
    ]);
    const everything = logs.lines.join('\n');
    for (const token of [ADMIN_TOKEN, READ_TOKEN, WRONG_TOKEN]) expect(everything).not.toContain(token);
  });
});

describe('AdminModule.forRootAsync, over time', () => {
  const windowMs = 1_000;
  let app: AdminTestApp;

  beforeAll(async () => {
    const module = adminAppModule(
      AdminModule.forRootAsync({
        useFactory: () => ({ token: ADMIN_TOKEN, maxFailures: 2, windowMs }),
      }),
    );
    app = await startAdminApp(module, logs);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lets an IP in again once the window frees a failure', async () => {
    // Start just after a window boundary, so the failures and the refusal share one window.
    await sleep(windowMs - (Date.now() % windowMs) + 20);
    expect((await call(app, 'GET', bearer(WRONG_TOKEN))).status).toBe(401);
    expect((await call(app, 'GET', bearer(WRONG_TOKEN))).status).toBe(401);
    const refused = await call(app, 'GET', bearer(ADMIN_TOKEN));
    expect(refused.status).toBe(429);
    expect(refused.body.retryAfterMs).toBeLessThanOrEqual(2 * windowMs);

    await sleep(refused.body.retryAfterMs + 250);
    const again = await call(app, 'GET', bearer(ADMIN_TOKEN));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ actor: 'admin' });
  });
});
