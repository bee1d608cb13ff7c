/**
 * deploy/nginx/auth-request.conf with the real nginx in front of a tiny upstream, asking the real
 * service (Redis, Postgres) with `auth_request`: what nginx's clients get. Each client comes from
 * an address of its own in 127.0.0.0/8 (nginx's $remote_addr), so each test counts alone.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { type RunningNginx, render, startNginx } from '../../support/nginx.js';
import { adminFetch, freePort, json, useService, useServiceDatabase } from '../service/service-harness.js';

useServiceDatabase();

const SAMPLE = readFileSync(join(process.cwd(), 'deploy/nginx/auth-request.conf'), 'utf8');
const NGINX_TOKEN = 'nginx-check-token-0123456789';
const SETUP_TIMEOUT_MS = 60_000;

/** The sample with this test's ports and token: the only changes made to it. */
function renderSample(ports: { listen: number; floodgate: number; app: number }): string {
  return render(SAMPLE, [
    ['listen 8080;', `listen 127.0.0.1:${ports.listen};`],
    ['server floodgate:3000;', `server 127.0.0.1:${ports.floodgate};`],
    ['server app:8080;', `server 127.0.0.1:${ports.app};`],
    ['Bearer change-me-nginx-check-token', `Bearer ${NGINX_TOKEN}`],
  ]);
}

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The application behind nginx: answers 200 with what it was asked, and remembers it. */
async function startUpstream(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the upstream has no port');
  return { server, port: address.port, seen };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A request to nginx from the client at `from` (a loopback address: nginx's $remote_addr). */
function send(
  port: number,
  from: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      // agent: false: one connection per request, none left open when the suite ends.
      {
        host: '127.0.0.1',
        port,
        localAddress: from,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.once('error', reject);
    req.end(options.body);
  });
}

/** The rate-limit headers of an answer, by their lower-case names. */
function limitHeaders({ headers }: Answer): Record<string, unknown> {
  const names = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'ratelimit-policy', 'ratelimit', 'retry-after'];
  return Object.fromEntries(names.filter((name) => headers[name] !== undefined).map((name) => [name, headers[name]]));
}

describe('nginx auth_request in front of an upstream (deploy/nginx/auth-request.conf)', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let nginx: RunningNginx;
  let port: number;
  const service = useService({
    env: {
      CHECK_TOKENS: `nginx=${NGINX_TOKEN}`,
      TRUSTED_PROXIES: 'loopback',
      BLOCK_RESPONSE_STATUS: '403',
      DEFAULT_LIMIT: '1000',
    },
    rules: [{ name: 'nginx-search', match: { resource: 'GET /search' }, limits: [{ limit: 2, windowMs: 60_000 }] }],
    beforeStop: async () => {
      await nginx?.stop();
      await new Promise((resolve) => upstream?.server.close(resolve));
    },
  });

  beforeAll(async () => {
    upstream = await startUpstream();
    port = await freePort();
    const floodgate = Number(new URL(service.url).port);
    nginx = await startNginx(renderSample({ listen: port, floodgate, app: upstream.port }), port);
  }, SETUP_TIMEOUT_MS);

  it('lets allowed requests reach the upstream, whose answers carry the rate-limit headers', async () => {
    const first = await send(port, '127.0.10.1', '/search?q=floodgate');
    expect({ status: first.status, body: first.body }).toEqual({
      status: 200,
      body: 'upstream GET /search?q=floodgate',
    });
    expect(limitHeaders(first)).toEqual({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '1',
      'ratelimit-policy': '"nginx-search";q=2;w=60',
      ratelimit: expect.stringMatching(/^"nginx-search";r=1;t=\d+$/),
    });
    // Forwarded as the client sent it, body and all: only the check's subrequest goes without.
    const posted = await send(port, '127.0.10.1', '/orders', { method: 'POST', body: '{"item":42}' });
    expect(posted.status).toBe(200);
    expect(limitHeaders(posted)).toMatchObject({ 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '999' });
    // nginx keeps its connections to Floodgate open: had the POST's check carried the POST's
    // Content-Length without its body, Floodgate would have read this check as that body.
    expect((await send(port, '127.0.10.1', '/orders')).status).toBe(200);
    expect(upstream.seen.filter((seen) => seen.headers['x-forwarded-for'] === '127.0.10.1')).toMatchObject([
      { method: 'GET', url: '/search?q=floodgate', body: '' },
      { method: 'POST', url: '/orders', body: '{"item":42}' },
      { method: 'GET', url: '/orders', body: '' },
    ]);
  });

  it("turns Floodgate's 429 into the client's 429 with the headers and Retry-After, without reaching the upstream", async () => {
    const client = '127.0.10.2';
    // Another query and a doubled slash are the same resource: the path is what nginx routes on.
    expect((await send(port, client, '/search?q=a')).status).toBe(200);
    expect((await send(port, client, '//search?q=b')).status).toBe(200);
    const reached = upstream.seen.length;
    const refused = await send(port, client, '/search?q=c');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Up to one and a half windows: the sliding window's previous window still weighs.
    expect(retryAfter).toBeLessThanOrEqual(90);
    expect(limitHeaders(refused)).toEqual({
      'x-ratelimit-limit': '2',
      'x-ratelimit-remaining': '0',
      'ratelimit-policy': '"nginx-search";q=2;w=60',
      ratelimit: `"nginx-search";r=0;t=${retryAfter}`,
      'retry-after': String(retryAfter),
    });
    expect(refused.headers['content-type']).toBe('application/json');
    expect(JSON.parse(refused.body)).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Rate limit exceeded; retry in ${retryAfter} s`,
    });
    expect(upstream.seen.length).toBe(reached);
    // Another client is not affected; and nginx logged no error for the refusal (it came as a 403).
    expect((await send(port, '127.0.10.3', '/search')).status).toBe(200);
    expect(nginx.errorLog()).not.toContain('auth request unexpected status');
  });

  it("refuses an invalid API key with 401 and Floodgate's WWW-Authenticate", async () => {
    const refused = await send(port, '127.0.10.4', '/search', { headers: { 'x-api-key': 'fgk_not-a-key' } });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('ApiKey header="X-API-Key"');
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 401, message: 'Invalid API key' });
  });

  it("applies a valid key's tier: a rule for the tier limits its clients", async () => {
    const rule = await adminFetch(service, 'POST', '/v1/admin/rules', {
      name: 'nginx-search-pro',
      match: { resource: 'GET /search', tier: 'pro' },
      limits: [{ limit: 5, windowMs: 60_000 }],
    });
    expect(rule.status).toBe(201);
    const key = await json<{ key: string }>(await adminFetch(service, 'POST', '/v1/admin/api-keys', { tier: 'pro' }));
    const allowed = await send(port, '127.0.10.5', '/search', { headers: { 'x-api-key': key.key } });
    expect(allowed.status).toBe(200);
    expect(limitHeaders(allowed)).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4' });
  });

  it("reaches nginx's clients with a block set over REST (403), and lets them through once it is lifted", async () => {
    const client = '127.0.10.6';
    expect((await send(port, client, '/search')).status).toBe(200);
    const created = await adminFetch(service, 'POST', '/v1/admin/blocks', {
      type: 'ip',
      value: client,
      durationMs: 600_000,
      reason: 'test: abuse through nginx',
    });
    expect(created.status).toBe(201);
    const block = await json<{ id: string }>(created);
    // The node that took the write enforces it before answering; nginx asks that node.
    const refused = await send(port, client, '/search');
    expect(refused.status).toBe(403);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(500);
    expect(JSON.parse(refused.body)).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Access is blocked' });
    // Other clients still pass.
    expect((await send(port, '127.0.10.7', '/search')).status).toBe(200);
    expect((await adminFetch(service, 'DELETE', `/v1/admin/blocks/${block.id}`)).status).toBe(204);
    expect((await send(port, client, '/search')).status).toBe(200);
  });

  it('answers 400 for a request Floodgate cannot check (a path over the longest resource)', async () => {
    const refused = await send(port, '127.0.10.8', `/${'a'.repeat(600)}`);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });
});

describe('nginx auth_request with Floodgate out of reach', () => {
  it('fails closed: 503, never the upstream', async () => {
    const upstream = await startUpstream();
    const port = await freePort();
    // Nothing listens on this one: every check is refused a connection.
    const floodgate = await freePort();
    const nginx = await startNginx(renderSample({ listen: port, floodgate, app: upstream.port }), port);
    try {
      const answer = await send(port, '127.0.11.1', '/search');
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(upstream.seen).toEqual([]);
    } finally {
      await nginx.stop();
      await new Promise((resolve) => upstream.server.close(resolve));
    }
  });
});
