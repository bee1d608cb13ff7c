import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { CHECK_REQUEST_SCHEMA, RELEASE_REQUEST_SCHEMA } from '../check/check-request.js';
import { CreateRuleDto } from '../rules/dto/create-rule.dto.js';
import { RuleLimitDto } from '../rules/dto/rule-limit.dto.js';
import { RuleMatchDto } from '../rules/dto/rule-match.dto.js';
import { UpdateRuleDto } from '../rules/dto/update-rule.dto.js';

/** Where the UI is served; the document is at `<OPENAPI_PATH>/json`. */
export const OPENAPI_PATH = 'docs';

/** The name of the bearer scheme every `/v1/admin` operation requires. */
export const ADMIN_BEARER_SCHEME = 'admin-token';

const ADMIN_PREFIX = '/v1/admin';
const ref = (name: string): SchemaObject & { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/**
 * Schemas of answers declared as TypeScript interfaces (`RuleResponse`, `CheckResponse`): written
 * here, since interfaces leave nothing at run time for the scanner to read.
 */
const RESPONSE_SCHEMAS: Record<string, SchemaObject> = {
  // The very schemas the bodies are checked with (`SchemaBodyPipe`), under their historical names.
  CheckRequestDto: CHECK_REQUEST_SCHEMA as unknown as SchemaObject,
  ReleaseRequestDto: RELEASE_REQUEST_SCHEMA as unknown as SchemaObject,
  RuleResponse: {
    allOf: [
      ref('CreateRuleDto'),
      {
        type: 'object',
        required: ['id', 'version', 'createdAt', 'updatedAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          version: { type: 'integer', minimum: 1, description: 'Per rule; the ETag' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
    ],
  },
  RuleWriteResponse: {
    allOf: [
      ref('RuleResponse'),
      {
        type: 'object',
        required: ['rulesVersion'],
        properties: { rulesVersion: { type: 'integer', description: 'The cluster-wide rules version' } },
      },
    ],
  },
  RuleList: {
    type: 'object',
    required: ['items', 'total'],
    properties: { items: { type: 'array', items: ref('RuleResponse') }, total: { type: 'integer' } },
  },
  RuleHistoryEntry: {
    type: 'object',
    properties: {
      version: { type: 'integer' },
      action: { type: 'string' },
      actor: { type: 'string' },
      at: { type: 'string', format: 'date-time' },
      rulesVersion: { type: 'integer' },
      before: { ...ref('RuleResponse'), nullable: true },
      after: { ...ref('RuleResponse'), nullable: true },
    },
  },
  RollbackRequest: {
    type: 'object',
    required: ['version'],
    additionalProperties: false,
    properties: { version: { type: 'integer', minimum: 1, description: 'The rule version to restore' } },
  },
  CheckResponse: {
    type: 'object',
    required: ['allowed', 'limit', 'remaining', 'resetAt', 'retryAfterMs', 'rule'],
    properties: {
      allowed: { type: 'boolean' },
      limit: {
        type: 'integer',
        nullable: true,
        description:
          "The quota: the rule's limit, or a token_bucket or gcra rule's burst. null: no rule limits the request",
      },
      remaining: { type: 'integer', nullable: true },
      resetAt: { type: 'integer', nullable: true, description: 'Epoch ms when the quota is whole again' },
      retryAfterMs: { type: 'integer', description: '0 unless refused' },
      rule: { type: 'string', nullable: true, description: 'The rule that decided' },
      refill: {
        type: 'object',
        required: ['limit', 'windowMs'],
        description: 'Only for a token_bucket or gcra rule with a burst: its rate, limit units per windowMs',
        properties: { limit: { type: 'integer' }, windowMs: { type: 'integer' } },
      },
    },
  },
};

const json = (schema: SchemaObject) => ({ content: { 'application/json': { schema } } });

/**
 * What the controllers of the rules API and `/v1/check` cannot declare themselves (their bodies
 * arrive as `unknown` and are validated by hand, their answers are interfaces): method, path, body
 * and answers, merged into the scanned document.
 */
const OPERATIONS: [method: 'get' | 'post' | 'patch' | 'delete', path: string, operation: OperationObject][] = [
  [
    'post',
    '/v1/check',
    {
      summary: 'May this client use this resource now? Consumes `cost` units',
      requestBody: { required: true, ...json(ref('CheckRequestDto')) },
      responses: {
        200: { description: 'Allowed', ...json(ref('CheckResponse')) },
        429: { description: 'Limited', ...json(ref('CheckResponse')) },
        503: { description: 'Store down in fail-closed mode', ...json(ref('CheckResponse')) },
      },
    },
  ],
  [
    'get',
    '/v1/check/auth-request',
    {
      summary: 'nginx auth_request: may the client make this request now? Consumes 1 unit',
      responses: {
        204: { description: 'Allowed; the rate-limit headers tell what is left' },
        400: { description: 'A header missing or unusable: `field` names it, `reason` says why' },
        401: {
          description: 'An invalid API key (WWW-Authenticate: ApiKey), or no caller token where CHECK_TOKENS is set',
        },
        403: { description: 'Blocked, where BLOCK_RESPONSE_STATUS is 403', ...json(ref('CheckResponse')) },
        429: { description: 'Limited (or blocked); Retry-After', ...json(ref('CheckResponse')) },
        503: { description: 'Store down in fail-closed mode', ...json(ref('CheckResponse')) },
      },
    },
  ],
  [
    'post',
    '/v1/admin/rules',
    {
      summary: 'Create a rule',
      requestBody: { required: true, ...json(ref('CreateRuleDto')) },
      responses: { 201: { description: 'Created; Location names it', ...json(ref('RuleWriteResponse')) } },
    },
  ],
  [
    'get',
    '/v1/admin/rules',
    {
      summary: 'List rules (filters: resource, enabled, algorithm; pagination: limit, offset)',
      responses: { 200: { description: 'A page of rules', ...json(ref('RuleList')) } },
    },
  ],
  [
    'get',
    '/v1/admin/rules/version',
    {
      summary: 'The cluster-wide rules version',
      responses: {
        200: {
          description: 'The version',
          ...json({ type: 'object', properties: { rulesVersion: { type: 'integer' } } }),
        },
      },
    },
  ],
  [
    'get',
    '/v1/admin/rules/{id}',
    {
      summary: 'One rule (ETag: its version)',
      responses: { 200: { description: 'The rule', ...json(ref('RuleResponse')) } },
    },
  ],
  [
    'patch',
    '/v1/admin/rules/{id}',
    {
      summary: 'Change a rule (If-Match: its version)',
      requestBody: { required: true, ...json(ref('UpdateRuleDto')) },
      responses: { 200: { description: 'The changed rule', ...json(ref('RuleWriteResponse')) } },
    },
  ],
  ['delete', '/v1/admin/rules/{id}', { summary: 'Delete a rule', responses: { 204: { description: 'Deleted' } } }],
  [
    'get',
    '/v1/admin/rules/{id}/history',
    {
      summary: 'The audit log of a rule',
      responses: {
        200: {
          description: 'Oldest first',
          ...json({ type: 'object', properties: { items: { type: 'array', items: ref('RuleHistoryEntry') } } }),
        },
      },
    },
  ],
  [
    'post',
    '/v1/admin/rules/{id}/rollback',
    {
      summary: 'Write the body the rule had at an earlier version as its next version',
      requestBody: { required: true, ...json(ref('RollbackRequest')) },
      responses: { 200: { description: 'The restored rule', ...json(ref('RuleWriteResponse')) } },
    },
  ],
];

/** Builds Floodgate's OpenAPI document from the app's routes. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Floodgate')
    .setDescription('A distributed rate limiter: the decision API and the admin API')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN or ADMIN_READONLY_TOKEN' },
      ADMIN_BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [CreateRuleDto, UpdateRuleDto, RuleMatchDto, RuleLimitDto],
  });
  const schemas = (document.components ??= {}).schemas ?? {};
  document.components.schemas = { ...schemas, ...RESPONSE_SCHEMAS };
  for (const [method, path, operation] of OPERATIONS) {
    const scanned = document.paths[path]?.[method];
    // Only routes the app has: a document never promises an endpoint that answers 404.
    if (scanned !== undefined) Object.assign(scanned, { ...operation, ...withScanned(scanned, operation) });
  }
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith(ADMIN_PREFIX)) continue;
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (operation === undefined) continue;
      operation.security = [{ [ADMIN_BEARER_SCHEME]: [] }];
      operation.tags = operation.tags?.length ? operation.tags : ['admin'];
      operation.responses = {
        ...operation.responses,
        401: { description: 'Missing or wrong admin token' },
        ...(method === 'get' ? {} : { 403: { description: 'Read-only token on a write' } }),
      };
    }
  }
  return document;
}

/** Keeps what a controller declared itself (summary, parameters) over the defaults written here. */
function withScanned(scanned: OperationObject, operation: OperationObject): Partial<OperationObject> {
  return {
    ...(scanned.summary ? { summary: scanned.summary } : {}),
    ...(scanned.requestBody ? { requestBody: scanned.requestBody } : {}),
    parameters: scanned.parameters ?? [],
    responses: { ...operation.responses, ...withoutDefault(scanned.responses) },
  };
}

/** The scanner's generic "201/200 with no schema" answers, which say less than ours. */
function withoutDefault(responses: OperationObject['responses']): OperationObject['responses'] {
  const kept: OperationObject['responses'] = {};
  for (const [status, response] of Object.entries(responses ?? {})) {
    if (typeof response === 'object' && response !== null && ('content' in response || '$ref' in response)) {
      kept[status] = response;
    }
  }
  return kept;
}

/** The swagger-ui files the page loads, served from `/docs/<file>`. */
const UI_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** The page's one inline script: swagger-ui reading the document from `jsonUrl`. */
function uiScript(jsonUrl: string): string {
  return `
    window.ui = SwaggerUIBundle({
      url: ${JSON.stringify(jsonUrl)},
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
      persistAuthorization: false,
    });
  `;
}

/**
 * The headers of every answer under `/docs`: a page that holds the admin token a user types in
 * must not be framed (clickjacking), sniffed into another type, or run scripts other than its own
 * files and its one inline script (allowed by its hash). swagger-ui styles elements inline.
 */
export function docsHeaders(jsonUrl: string): [string, string][] {
  const scriptHash = createHash('sha256').update(uiScript(jsonUrl)).digest('base64');
  return [
    [
      'Content-Security-Policy',
      `default-src 'self'; script-src 'self' 'sha256-${scriptHash}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
    ],
    ['X-Frame-Options', 'DENY'],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
  ];
}

/** The UI page: swagger-ui reading the document from `jsonUrl`. */
function uiPage(base: string, jsonUrl: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Floodgate API</title>
  <link rel="stylesheet" href="${base}/swagger-ui.css" />
  <link rel="icon" type="image/png" href="${base}/favicon-32x32.png" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}/swagger-ui-bundle.js"></script>
  <script src="${base}/swagger-ui-standalone-preset.js"></script>
  <script>${uiScript(jsonUrl)}</script>
</body>
</html>
`;
}

/**
 * Serves the OpenAPI UI at `/docs` and the document at `/docs/json`. Call it after the app is
 * created and before it listens (Fastify takes no new routes once it is listening).
 *
 * The UI's files are served by four fixed routes rather than `SwaggerModule`'s own UI: that one
 * loads `@fastify/static` lazily and calls `process.exit(1)` when the import fails, which it does
 * under Jest on Node 20 (an ESM-only dependency of `@fastify/static`), so it could not be tested.
 *
 * @example
 * const app = await createApp(config);
 * setupOpenApi(app);
 * await app.listen(config.port, config.host);
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  const base = `/${OPENAPI_PATH}`;
  const jsonUrl = `${base}/json`;
  const http = app.getHttpAdapter();
  // Set by each of these routes, not by a hook every request of the service would run.
  const headers = docsHeaders(jsonUrl);
  const withDocsHeaders = (reply: unknown) => {
    for (const [name, value] of headers) http.setHeader(reply, name, value);
  };
  const json = JSON.stringify(document);
  http.get(jsonUrl, (_request: unknown, reply: unknown) => {
    withDocsHeaders(reply);
    http.setHeader(reply, 'Content-Type', 'application/json; charset=utf-8');
    http.reply(reply, json, 200);
  });
  const page = uiPage(base, jsonUrl);
  http.get(base, (_request: unknown, reply: unknown) => {
    withDocsHeaders(reply);
    http.setHeader(reply, 'Content-Type', 'text/html; charset=utf-8');
    http.reply(reply, page, 200);
  });
  const assets = swaggerUiDist();
  for (const [file, type] of Object.entries(UI_ASSETS)) {
    let content: Promise<Buffer> | undefined;
    http.get(`${base}/${file}`, async (_request: unknown, reply: unknown) => {
      // Read once, on first use: most nodes never serve the UI.
      content ??= readFile(path.join(assets, file));
      withDocsHeaders(reply);
      http.setHeader(reply, 'Content-Type', type);
      http.setHeader(reply, 'Cache-Control', 'public, max-age=3600');
      http.reply(reply, await content, 200);
    });
  }
  return document;
}

/** Where swagger-ui's files are (the `swagger-ui-dist` package that `@nestjs/swagger` depends on). */
function swaggerUiDist(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}
