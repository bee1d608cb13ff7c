import net from 'node:net';
import { Controller, Get } from '@nestjs/common';
import { json, logLinesWhere, postCheck, useService, useServiceDatabase } from './service-harness.js';

useServiceDatabase();

/** Fixture routes: one the default rule limits (the guard's 429), one that fails unexpectedly. */
@Controller('fixture')
class FixtureController {
  @Get('limited')
  limited() {
    return { ok: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password is hunter2');
  }

  @Get('items/:id')
  item() {
    return { ok: true };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `depth` arrays, one inside the other. */
function nestedArrays(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

describe('Floodgate service: POST /v1/check (memory store)', () => {
  const service = useService({
    redis: 'memory',
    env: { DEFAULT_LIMIT: '3', DEFAULT_WINDOW_MS: '60000', BODY_LIMIT_BYTES: '1024' },
    controllers: [FixtureController],
  });

  it('allows within the limit: 200, the decision body and the rate-limit headers', async () => {
    const before = Date.now();
    const res = await postCheck(service, { clientId: 'alice', resource: 'GET /search', cost: 1 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, number>;
    expect(body).toEqual({
      allowed: true,
      limit: 3,
      remaining: 2,
      resetAt: expect.any(Number),
      retryAfterMs: 0,
      rule: 'default',
    });
    expect(body.resetAt).toBeGreaterThan(before);
    expect(body.resetAt).toBeLessThanOrEqual(Date.now() + 120_000);
    expect(res.headers.get('x-ratelimit-limit')).toBe('3');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    expect(res.headers.get('ratelimit')).toMatch(/^"default";r=2;t=\d+$/);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.headers.get('x-correlation-id')).toMatch(UUID);
  });

  it('refuses once exhausted: 429 with Retry-After and the decision body, no exception', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await postCheck(service, { clientId: 'bob' })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const res = await postCheck(service, { clientId: 'bob' });
    expect(res.status).toBe(429);
    const body = (await res.json()) as Record<string, number>;
    expect(body).toMatchObject({ allowed: false, limit: 3, remaining: 0, rule: 'default' });
    expect(body.retryAfterMs).toBeGreaterThan(0);
    expect(body.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(body.resetAt).toBeGreaterThanOrEqual(Date.now());
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBe(Math.max(1, Math.ceil(body.retryAfterMs / 1000)));
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-correlation-id')).toMatch(UUID);
    // Other clients are counted apart, and cost 0 only reports.
    expect((await postCheck(service, { clientId: 'carol' })).status).toBe(200);
    const report = await postCheck(service, { clientId: 'bob', cost: 0 });
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('counts a cost larger than 1 and applies the default resource', async () => {
    const res = await postCheck(service, { clientId: 'dave', cost: 2, tier: 'free' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, unknown>).remaining).toBe(1);
    expect((await postCheck(service, { clientId: 'dave', cost: 2 })).status).toBe(429);
    expect((await postCheck(service, { clientId: 'dave', cost: 1 })).status).toBe(200);
  });

  it('is not limited by the guard itself (its answer is the limiting)', async () => {
    // Same caller IP for all: the guard's default rule (3 per IP) would refuse the 4th if it applied.
    for (let i = 0; i < 5; i++) expect((await postCheck(service, { clientId: `eve${i}` })).status).toBe(200);
  });

  const CLIENT_ID = 'must be a string of 1 to 256 characters';
  const COST = 'must be an integer from 0 to 1000000';
  it.each<[string, unknown, string, string]>([
    ['missing clientId', { resource: 'x' }, 'clientId', 'is required'],
    ['empty clientId', { clientId: '' }, 'clientId', CLIENT_ID],
    ['257-char clientId', { clientId: 'a'.repeat(257) }, 'clientId', CLIENT_ID],
    ['numeric clientId', { clientId: 42 }, 'clientId', CLIENT_ID],
    ['null clientId', { clientId: null }, 'clientId', 'is required'],
    ['cost -1', { clientId: 'a', cost: -1 }, 'cost', COST],
    ['cost "5"', { clientId: 'a', cost: '5' }, 'cost', COST],
    ['cost 1.5', { clientId: 'a', cost: 1.5 }, 'cost', COST],
    ['cost 1e7', { clientId: 'a', cost: 1e7 }, 'cost', COST],
    ['cost null', { clientId: 'a', cost: null }, 'cost', COST],
    ['empty resource', { clientId: 'a', resource: '' }, 'resource', 'must be a string of 1 to 512 characters'],
    ['long tier', { clientId: 'a', tier: 't'.repeat(65) }, 'tier', 'must be a string of 1 to 64 characters'],
    ['unknown field', { clientId: 'a', admin: true }, 'admin', 'is not allowed'],
    ['a "constructor" field', JSON.parse('{"clientId":"a","constructor":"x"}'), 'constructor', 'is not allowed'],
    ['array body', [{ clientId: 'a' }], 'body', 'must be a JSON object'],
    ['U+0000 in clientId', { clientId: 'a\u0000' }, 'clientId', 'must not contain U+0000 or unpaired surrogates'],
    [
      'a lone surrogate in a field',
      { clientId: 'a', tier: '\ud800' },
      'tier',
      'must not contain U+0000 or unpaired surrogates',
    ],
    // Before the schema: the unknown field `deep` is not what is named.
    ['nesting too deep', { clientId: 'a', deep: nestedArrays(40) }, 'body', 'must not nest deeper than 32 levels'],
    ['JSON string body', '"clientId"', 'body', 'must be a JSON object'],
    ['non-JSON body', '{"clientId": "a",', 'body', 'must be valid JSON'],
    ['empty JSON body', '', 'body', 'must not be empty'],
  ])('400 for %s', async (_, body, field, reason) => {
    const res = await postCheck(service, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `${field}: ${reason}`,
      field,
      reason,
      errors: expect.arrayContaining([{ field, reason }]),
    });
    expect(res.headers.get('x-correlation-id')).toMatch(UUID);
  });

  it('refuses fields named after Object.prototype members like any other unknown field', async () => {
    for (const field of ['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']) {
      const res = await postCheck(service, `{"clientId":"a","${field}":1}`);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(await res.json()).toMatchObject({ field, reason: 'is not allowed' });
    }
  });

  it('lists at most 20 offending fields, however many the body has', async () => {
    const body = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 1]));
    const res = await postCheck(service, { clientId: 'a', ...body });
    expect(res.status).toBe(413);
    const small = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, 1]));
    const refused = await postCheck(service, { clientId: 'a', ...small });
    const answer = (await refused.json()) as { errors: unknown[]; field: string };
    expect(answer.field).toBe('k0');
    expect(answer.errors).toHaveLength(20);
  });

  it('lists every offending field in errors', async () => {
    const res = await postCheck(service, { clientId: '', cost: 'x', extra: 1 });
    const body = (await res.json()) as Record<string, number>;
    expect(body.errors).toHaveLength(3);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'clientId', reason: CLIENT_ID },
        { field: 'cost', reason: COST },
        { field: 'extra', reason: 'is not allowed' },
      ]),
    );
  });

  it('400 for a wrong content type (Fastify says 415), naming the body', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await postCheck(service, 'clientId=a', { 'content-type': type });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        statusCode: 400,
        field: 'body',
        reason: 'must be sent as application/json',
      });
    }
  });

  it('413 for an oversized body, naming the body', async () => {
    const res = await postCheck(service, { clientId: 'a', resource: 'r'.repeat(2000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'body: is too large',
      field: 'body',
      reason: 'is too large',
      errors: [{ field: 'body', reason: 'is too large' }],
    });
    expect(res.headers.get('x-correlation-id')).toMatch(UUID);
  });

  it('404 in the same shape for an unknown route', async () => {
    const res = await fetch(`${service.url}/v2/nothing`, { headers: { 'X-Correlation-ID': 'trace-404' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /v2/nothing' });
    expect(res.headers.get('x-correlation-id')).toBe('trace-404');
  });

  it("400 in the same shape, naming the path, for a path Fastify's router cannot decode", async () => {
    const res = await fetch(`${service.url}/fixture/items/%E0%A4%A`, { headers: { 'X-Correlation-ID': 'bad-url' } });
    expect(res.status).toBe(400);
    const reason = 'has a percent-escape that does not decode';
    expect(await res.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: `path: ${reason}`,
      field: 'path',
      reason,
      errors: [{ field: 'path', reason }],
    });
    expect(res.headers.get('x-correlation-id')).toBe('bad-url');
  });

  it('414 in the same shape, naming the path, for a path parameter longer than the router takes', async () => {
    const res = await fetch(`${service.url}/fixture/items/${'x'.repeat(101)}`, {
      headers: { 'X-Correlation-ID': 'long-param' },
    });
    expect(res.status).toBe(414);
    const reason = 'has a segment too long for its route';
    expect(await res.json()).toMatchObject({ statusCode: 414, error: 'URI Too Long', field: 'path', reason });
    expect(res.headers.get('x-correlation-id')).toBe('long-param');
  });

  it('500 in the same shape without internals, logged with the error and the correlation id', async () => {
    const res = await fetch(`${service.url}/fixture/boom`, { headers: { 'X-Correlation-ID': 'trace-500' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(text).not.toContain('hunter2');
    expect(res.headers.get('x-correlation-id')).toBe('trace-500');
    const logged = service.logs.filter((line) => line.correlationId === 'trace-500' && line.level === 50);
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it("passes the limiter guard's 429 through unchanged, with the correlation id", async () => {
    let res: Response | undefined;
    for (let i = 0; i < 4; i++)
      res = await fetch(`${service.url}/fixture/limited`, { headers: { 'X-Correlation-ID': `g-${i}` } });
    expect(res!.status).toBe(429);
    expect(await res!.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/^Rate limit exceeded; retry in \d+ s$/),
      retryAfterMs: expect.any(Number),
      rule: 'default',
    });
    expect(res!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res!.headers.get('x-correlation-id')).toBe('g-3');
  });
});

describe('Floodgate service: correlation ids and logs', () => {
  const service = useService({ redis: 'memory', env: { DEFAULT_LIMIT: '1000' } });

  it('echoes a valid id and logs it on every line of that request, with the node id', async () => {
    const id = 'Req-1.a:b_c-' + 'x'.repeat(100);
    const res = await postCheck(service, { clientId: 'log-me' }, { 'X-Correlation-ID': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe(id);
    const lines = await logLinesWhere(service, (line) => line.correlationId === id && line.msg === 'request completed');
    expect(lines[0]).toMatchObject({ nodeId: 'test-node', res: { statusCode: 200 } });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['bad characters', 'abc def'],
    ['injection attempt', 'x"}\n{"level":60'],
  ])('replaces an invalid id (%s) with a generated one', async (_, id) => {
    const res = await fetch(`${service.url}/health/live`, { headers: { 'X-Correlation-ID': id.replace('\n', '') } });
    const returned = res.headers.get('x-correlation-id');
    expect(returned).toMatch(UUID);
    expect(await logLinesWhere(service, (line) => line.correlationId === returned)).not.toHaveLength(0);
  });

  it('generates a different id per request when none is sent', async () => {
    const a = (await fetch(`${service.url}/health/live`)).headers.get('x-correlation-id');
    const b = (await fetch(`${service.url}/health/live`)).headers.get('x-correlation-id');
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it('never logs Authorization or X-API-Key', async () => {
    await postCheck(
      service,
      { clientId: 'secret-holder' },
      {
        Authorization: 'Bearer tok-SECRET-1',
        'X-API-Key': 'key-SECRET-2',
        'X-Correlation-ID': 'redaction-check',
      },
    );
    const lines = await logLinesWhere(service, (line) => line.correlationId === 'redaction-check');
    expect(lines).not.toHaveLength(0);
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
    const text = JSON.stringify(service.logs);
    expect(text).not.toContain('SECRET-1');
    expect(text).not.toContain('SECRET-2');
  });

  it('never logs a credential sent in the query string', async () => {
    const query = '?token=tok-SECRET-3&access_token=tok-SECRET-4&Authorization=tok-SECRET-5&limit=5';
    await fetch(`${service.url}/health/live${query}`, { headers: { 'X-Correlation-ID': 'query-redaction' } });
    const [line] = await logLinesWhere(service, (l) => l.correlationId === 'query-redaction');
    expect(line).toMatchObject({
      req: {
        url: '/health/live?token=[redacted]&access_token=[redacted]&Authorization=[redacted]&limit=5',
        query: { token: '[redacted]', access_token: '[redacted]', Authorization: '[redacted]', limit: '5' },
      },
    });
    expect(JSON.stringify(service.logs)).not.toContain('SECRET-');
  });
});

describe('Floodgate service: a request body that stalls', () => {
  const service = useService({ redis: 'memory', env: { CONNECTION_TIMEOUT_MS: '1000' } });

  it('is not waited for forever: the silent connection is closed', async () => {
    const { port } = new URL(service.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // Promises 100 bytes, sends 10, then nothing.
    socket.write(
      'POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"clientI',
    );
    const closed = await new Promise<boolean>((resolve) => {
      const guard = setTimeout(() => resolve(false), 15_000);
      socket.once('close', () => {
        clearTimeout(guard);
        resolve(true);
      });
      socket.on('error', () => undefined);
      socket.resume();
    });
    socket.destroy();
    expect(closed).toBe(true);
  }, 20_000);
});

describe('Floodgate service: RATE_LIMIT_HEADERS=false', () => {
  const service = useService({
    redis: 'memory',
    env: { DEFAULT_LIMIT: '1', DEFAULT_WINDOW_MS: '60000', RATE_LIMIT_HEADERS: 'false' },
  });

  const rateLimitHeaders = (res: Response) =>
    [...res.headers.keys()].filter((name) => name.startsWith('x-ratelimit') || name.startsWith('ratelimit'));

  it('sends no rate-limit header from /v1/check, and only Retry-After with a refusal', async () => {
    const allowed = await postCheck(service, { clientId: 'quiet' });
    expect(allowed.status).toBe(200);
    expect(rateLimitHeaders(allowed)).toEqual([]);
    // The body still tells the whole decision.
    expect(await json(allowed)).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
    const refused = await postCheck(service, { clientId: 'quiet' });
    expect(refused.status).toBe(429);
    expect(rateLimitHeaders(refused)).toEqual([]);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
