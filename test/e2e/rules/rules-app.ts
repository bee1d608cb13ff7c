import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AdminModule } from '../../../src/admin/index.js';
import { CheckModule } from '../../../src/check/index.js';
import { DbModule } from '../../../src/db/index.js';
import { HttpModule } from '../../../src/http/index.js';
import { RateLimitModule } from '../../../src/limiter/index.js';
import { RulesModule, RulesPolicyResolver, RulesRefresher } from '../../../src/rules/index.js';

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

@Module({})
class RulesTestApp {}

/** Starts a node on the database at `url`, listening on a loopback port. */
export async function startRulesNode(url: string, refreshIntervalMs: number): Promise<RulesNode> {
  const db = DbModule.forRoot({ url, poolSize: 4 });
  const admin = AdminModule.forRoot({ token: ADMIN_TOKEN, readonlyToken: READONLY_TOKEN });
  const rules = RulesModule.forRootAsync({
    imports: [db, admin],
    useFactory: () => ({ defaultPolicy: undefined, refreshIntervalMs }),
  });
  const app = await NestFactory.create(
    {
      module: RulesTestApp,
      imports: [
        HttpModule,
        db,
        admin,
        rules,
        RateLimitModule.forRootAsync({
          imports: [rules],
          policyResolver: RulesPolicyResolver,
          // Counters in this process's memory, a fresh namespace per node.
          useFactory: () => ({ keyPrefix: `rules-e2e-${randomBytes(4).toString('hex')}` }),
        }),
        CheckModule,
      ],
    },
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return {
    app,
    refresher: app.get(RulesRefresher),
    admin: (method, path, options = {}) => {
      const headers = new Headers(options.headers);
      headers.set('authorization', `Bearer ${options.token ?? ADMIN_TOKEN}`);
      if (options.body !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${base}${path}`, {
        method,
        headers,
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      });
    },
    check: (body) =>
      fetch(`${base}/v1/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    close: () => app.close(),
  };
}
