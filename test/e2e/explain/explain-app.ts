import type { INestApplication } from '@nestjs/common';
import { ExplainModule } from '../../../src/explain/index.js';
import { setupOpenApi } from '../../../src/http/openapi.js';
import type { RateLimitPolicy } from '../../../src/limiter/index.js';
import { sendJson } from '../support/http.js';
import { startRulesNodeApp } from '../support/rules-node.js';

export const ADMIN_TOKEN = 'e'.repeat(32);

/** The DEFAULT_LIMIT rule of the mini app: what applies where no admin rule does. */
export const DEFAULT_POLICY: RateLimitPolicy = Object.freeze({
  name: 'default',
  algorithm: 'fixed_window',
  limits: Object.freeze([Object.freeze({ limit: 50, windowMs: 60_000 })]),
  shadow: false,
});

/** A node with the rules API, `/v1/check`, `/v1/admin/explain` and the OpenAPI document. */
export interface ExplainNode {
  readonly app: INestApplication;
  /** Sends a JSON request; with the admin token unless `token` is given (null: none). */
  send(method: string, path: string, options?: { body?: unknown; token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a node on the database at `url`, listening on a loopback port. */
export async function startExplainNode(url: string): Promise<ExplainNode> {
  const node = await startRulesNodeApp({
    databaseUrl: url,
    poolSize: 2,
    admin: { token: ADMIN_TOKEN },
    rules: { defaultPolicy: DEFAULT_POLICY, refreshIntervalMs: 60_000 },
    keyPrefix: 'explain-e2e',
    extra: ({ admin, rules }) => [ExplainModule.forRoot({ imports: [admin, rules] })],
    setup: setupOpenApi,
  });
  return {
    app: node.app,
    send: (method, path, options = {}) =>
      sendJson(`${node.url}${path}`, method, {
        body: options.body,
        token: options.token === null ? undefined : (options.token ?? ADMIN_TOKEN),
      }),
    close: node.close,
  };
}
