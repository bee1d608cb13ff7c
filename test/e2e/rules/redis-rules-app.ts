import type { INestApplication } from '@nestjs/common';
import { OutboxPublisher, RulesRefresher, type RulesModuleOptions } from '../../../src/rules/index.js';
import { sendJson } from '../support/http.js';
import { startRulesNodeApp } from '../support/rules-node.js';
import { ADMIN_TOKEN } from './rules-app.js';

/** A rules node announcing and hearing rule writes over Redis. */
export interface RedisRulesNode {
  readonly app: INestApplication;
  readonly refresher: RulesRefresher;
  readonly outbox: OutboxPublisher;
  /** POSTs `body` (JSON) to `path` with the admin token. */
  post(path: string, body: unknown): Promise<Response>;
  check(body: Record<string, unknown>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts a node on the database at `url` with the rules options given (`redisUrl`, `rulesChannel`,
 * intervals), counters in this process's memory, listening on a loopback port.
 */
export async function startRedisRulesNode(
  url: string,
  options: Omit<RulesModuleOptions, 'defaultPolicy'>,
): Promise<RedisRulesNode> {
  const node = await startRulesNodeApp({
    databaseUrl: url,
    poolSize: 4,
    admin: { token: ADMIN_TOKEN },
    rules: { defaultPolicy: undefined, ...options },
    keyPrefix: 'rules-redis-e2e',
  });
  return {
    app: node.app,
    refresher: node.app.get(RulesRefresher),
    outbox: node.app.get(OutboxPublisher),
    post: (path, body) => sendJson(`${node.url}${path}`, 'POST', { body: JSON.stringify(body), token: ADMIN_TOKEN }),
    check: (body) => sendJson(`${node.url}/v1/check`, 'POST', { body }),
    close: node.close,
  };
}
