import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AdminModule } from '../../../src/admin/index.js';
import { CheckModule } from '../../../src/check/index.js';
import { DbModule } from '../../../src/db/index.js';
import { HttpModule } from '../../../src/http/index.js';
import { RateLimitModule } from '../../../src/limiter/index.js';
import {
  OutboxPublisher,
  RulesModule,
  RulesPolicyResolver,
  RulesRefresher,
  type RulesModuleOptions,
} from '../../../src/rules/index.js';
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

@Module({})
class RedisRulesTestApp {}

/**
 * Starts a node on the database at `url` with the rules options given (`redisUrl`, `rulesChannel`,
 * intervals), counters in this process's memory, listening on a loopback port.
 */
export async function startRedisRulesNode(
  url: string,
  options: Omit<RulesModuleOptions, 'defaultPolicy'>,
): Promise<RedisRulesNode> {
  const db = DbModule.forRoot({ url, poolSize: 4 });
  const admin = AdminModule.forRoot({ token: ADMIN_TOKEN });
  const rules = RulesModule.forRootAsync({
    imports: [db, admin],
    useFactory: () => ({ defaultPolicy: undefined, ...options }),
  });
  const app = await NestFactory.create(
    {
      module: RedisRulesTestApp,
      imports: [
        HttpModule,
        db,
        admin,
        rules,
        RateLimitModule.forRootAsync({
          imports: [rules],
          policyResolver: RulesPolicyResolver,
          useFactory: () => ({ keyPrefix: `rules-redis-e2e-${randomBytes(4).toString('hex')}` }),
        }),
        CheckModule,
      ],
    },
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  const send = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  return {
    app,
    refresher: app.get(RulesRefresher),
    outbox: app.get(OutboxPublisher),
    post: (path, body) => send(path, body, { authorization: `Bearer ${ADMIN_TOKEN}` }),
    check: (body) => send('/v1/check', body),
    close: () => app.close(),
  };
}
