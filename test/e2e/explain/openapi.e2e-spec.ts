import { createHash } from 'node:crypto';
import { useTestDatabase } from '../../db/support/test-database.js';
import { type ExplainNode, startExplainNode } from './explain-app.js';

const SETUP_TIMEOUT_MS = 60_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** This file's database: made before the first test, dropped after the last. */
const db = useTestDatabase();

describe('OpenAPI at /docs', () => {
  let node: ExplainNode;
  let document: Json;

  beforeAll(async () => {
    node = await startExplainNode(db.url);
    const response = await node.send('GET', '/docs/json', { token: null });
    expect(response.status).toBe(200);
    document = (await response.json()) as Json;
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await node?.close();
  });

  it('is titled Floodgate with a bearer scheme', () => {
    expect(document.info.title).toBe('Floodgate');
    expect(document.components.securitySchemes['admin-token']).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('describes /v1/check with its body and answers', () => {
    const check = document.paths['/v1/check'].post;
    expect(check.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CheckRequestDto',
    });
    expect(check.responses['429'].content['application/json'].schema.$ref).toBe('#/components/schemas/CheckResponse');
    expect(check.security).toBeUndefined();
    const request = document.components.schemas.CheckRequestDto;
    expect(request.required).toEqual(['clientId']);
    expect(request.properties.cost).toMatchObject({ type: 'integer', minimum: 0, default: 1 });
  });

  it('describes /v1/check/auth-request with the headers it reads and its answers', () => {
    const authRequest = document.paths['/v1/check/auth-request'].get;
    expect(authRequest.parameters.map((p: Json) => [p.in, p.name, p.required ?? false])).toEqual([
      ['header', 'X-Original-Method', true],
      ['header', 'X-Original-URI', true],
      ['header', 'X-Real-IP', false],
      ['header', 'X-Forwarded-For', false],
      ['header', 'X-API-Key', false],
    ]);
    expect(Object.keys(authRequest.responses).sort()).toEqual(['204', '400', '401', '403', '429', '503']);
    expect(authRequest.responses['429'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CheckResponse',
    );
    expect(authRequest.security).toBeUndefined();
  });

  it('lists every admin route, each behind the bearer scheme', () => {
    const operations = [
      ['/v1/admin/rules', 'post'],
      ['/v1/admin/rules', 'get'],
      ['/v1/admin/rules/version', 'get'],
      ['/v1/admin/rules/{id}', 'get'],
      ['/v1/admin/rules/{id}', 'patch'],
      ['/v1/admin/rules/{id}', 'delete'],
      ['/v1/admin/rules/{id}/history', 'get'],
      ['/v1/admin/rules/{id}/rollback', 'post'],
      ['/v1/admin/explain', 'post'],
    ] as const;
    for (const [path, method] of operations) {
      expect({ path, method, security: document.paths[path]?.[method]?.security }).toEqual({
        path,
        method,
        security: [{ 'admin-token': [] }],
      });
    }
  });

  it('gives the rules API its schemas', () => {
    const create = document.paths['/v1/admin/rules'].post;
    expect(create.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateRuleDto');
    expect(create.responses['201'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/RuleWriteResponse',
    );
    const rule = document.components.schemas.CreateRuleDto;
    expect(rule.required).toEqual(expect.arrayContaining(['name', 'match', 'limits']));
    expect(rule.properties.algorithm.enum).toEqual([
      'sliding_window',
      'sliding_log',
      'token_bucket',
      'fixed_window',
      'gcra',
      'concurrency',
    ]);
    expect(rule.properties.limits).toMatchObject({ type: 'array', minItems: 1, maxItems: 5 });
    expect(document.components.schemas.RuleLimitDto.required).toEqual(['limit', 'windowMs']);
    expect(document.components.schemas.UpdateRuleDto.required ?? []).toEqual([]);
    expect(document.paths['/v1/admin/rules/{id}'].patch.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/UpdateRuleDto',
    );
    const explain = document.paths['/v1/admin/explain'].post;
    expect(explain.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ExplainResponseDto',
    );
  });

  it('serves the UI as HTML', async () => {
    const response = await node.send('GET', '/docs', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('SwaggerUIBundle');
    const bundle = await node.send('GET', '/docs/swagger-ui-bundle.js', { token: null });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('sends a CSP that allows the page its own inline script only, no framing and no sniffing, on every /docs answer', async () => {
    const page = await node.send('GET', '/docs', { token: null });
    const html = await page.text();
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(inline).digest('base64');
    for (const path of ['/docs', '/docs/json', '/docs/swagger-ui.css']) {
      const response = path === '/docs' ? page : await node.send('GET', path, { token: null });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect({ path, csp }).toEqual({ path, csp: expect.stringContaining(`script-src 'self' 'sha256-${hash}'`) });
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // Not the API's answers: they are JSON for programs, not pages.
    expect((await node.send('GET', '/v1/admin/rules', {})).headers.get('content-security-policy')).toBeNull();
  });
});
