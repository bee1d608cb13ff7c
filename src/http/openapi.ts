import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  getSchemaPath,
  type OpenAPIObject,
  type OperationObject,
  type ResponseObject,
  type SchemaObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { CHECK_REQUEST_SCHEMA, RELEASE_REQUEST_SCHEMA } from '../check/check-request.js';
import { ErrorBody } from './error-body.js';

/** Where the UI is served; the document is at `<OPENAPI_PATH>/json`. */
export const OPENAPI_PATH = 'docs';

/** The name of the bearer scheme every `/v1/admin` operation requires. */
export const ADMIN_BEARER_SCHEME = 'admin-token';

const ADMIN_PREFIX = '/v1/admin';

/**
 * The JSON schemas `/v1/check`'s bodies are validated with (`SchemaBodyPipe`, Ajv), under their
 * historical names: the routes refer to them, the scanner cannot read them from a class.
 */
const BODY_SCHEMAS: Record<string, SchemaObject> = {
  CheckRequestDto: CHECK_REQUEST_SCHEMA as unknown as SchemaObject,
  ReleaseRequestDto: RELEASE_REQUEST_SCHEMA as unknown as SchemaObject,
};

/** An answer in the service's one error shape (`ErrorBody`). */
const errorAnswer = (description: string): ResponseObject => ({
  description,
  content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBody) } } },
});

/** Whether the operation reads anything a client sends (a body, a query, a header, a path id). */
function takesInput(operation: OperationObject): boolean {
  return operation.requestBody !== undefined || (operation.parameters?.length ?? 0) > 0;
}

/**
 * Builds Floodgate's OpenAPI document from the app's routes: what each route says of itself
 * (`@ApiOperation`, `@ApiOkResponse`, its DTO and query classes), plus the `/v1/check` body schemas.
 * What holds for every route of a kind is added here, as the code that does it applies it to all:
 * the 400 of the validation pipe (in `ErrorBody`'s shape) on every route that reads input, and on
 * every `/v1/admin` route the bearer scheme and the 401/403 of the admin guard.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Floodgate')
    .setDescription('A distributed rate limiter: the decision API and the admin API')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN or ADMIN_READONLY_TOKEN' },
      ADMIN_BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorBody] });
  const components = (document.components ??= {});
  components.schemas = { ...components.schemas, ...BODY_SCHEMAS };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (operation === undefined) continue;
      if (takesInput(operation) && operation.responses['400'] === undefined) {
        operation.responses['400'] = errorAnswer('Invalid input: `field` names it, `reason` says why');
      }
      if (!path.startsWith(ADMIN_PREFIX)) continue;
      operation.security = [{ [ADMIN_BEARER_SCHEME]: [] }];
      operation.tags = operation.tags?.length ? operation.tags : ['admin'];
      operation.responses = {
        ...operation.responses,
        401: errorAnswer('Missing or wrong admin token'),
        ...(method === 'get' ? {} : { 403: errorAnswer('Read-only token on a write') }),
      };
    }
  }
  return document;
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
export function setupOpenApi(app: INestApplication): void {
  const base = `/${OPENAPI_PATH}`;
  const jsonUrl = `${base}/json`;
  const http = app.getHttpAdapter();
  // Set by each of these routes, not by a hook every request of the service would run.
  const headers = docsHeaders(jsonUrl);
  const withDocsHeaders = (reply: unknown) => {
    for (const [name, value] of headers) http.setHeader(reply, name, value);
  };
  // Built on first use, like the UI's files below: scanning every route was 100 ms of each start
  // (CPU profile of a cold start), for a document most nodes never serve.
  let json: string | undefined;
  http.get(jsonUrl, (_request: unknown, reply: unknown) => {
    json ??= JSON.stringify(buildOpenApiDocument(app));
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
}

/** Where swagger-ui's files are (the `swagger-ui-dist` package that `@nestjs/swagger` depends on). */
function swaggerUiDist(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}
