import type { INestApplication } from '@nestjs/common';
import { RulesRefresher } from '../../../src/rules/index.js';
import { sendJson } from '../support/http.js';
import { startRulesNodeApp } from '../support/rules-node.js';

export const ADMIN_TOKEN = 'a'.repeat(32);
export const READONLY_TOKEN = 'r'.repeat(32);

/** One node: the rules API, the limiter resolving through the rules, and `/v1/check`. */
export interface RulesNode {
  readonly app: INestApplication;
  readonly refresher: RulesRefresher;
  /** Sends a request with the admin token (or `token`); a body object is sent as JSON. */
  admin(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  check(body: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

/** Starts a node on the database at `url`, listening on a loopback port. */
export async function startRulesNode(url: string, refreshIntervalMs: number): Promise<RulesNode> {
  const node = await startRulesNodeApp({
    databaseUrl: url,
    poolSize: 4,
    admin: { token: ADMIN_TOKEN, readonlyToken: READONLY_TOKEN },
    rules: { defaultPolicy: undefined, refreshIntervalMs },
    // Counters in this process's memory, a fresh namespace per node.
    keyPrefix: 'rules-e2e',
  });
  return {
    app: node.app,
    refresher: node.app.get(RulesRefresher),
    admin: (method, path, options = {}) =>
      sendJson(`${node.url}${path}`, method, { ...options, token: options.token ?? ADMIN_TOKEN }),
    check: (body) => sendJson(`${node.url}/v1/check`, 'POST', { body }),
    close: node.close,
  };
}
