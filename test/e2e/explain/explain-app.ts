import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AdminModule } from '../../../src/admin/index.js';
import { CheckModule } from '../../../src/check/index.js';
import { DbModule } from '../../../src/db/index.js';
import { ExplainModule } from '../../../src/explain/index.js';
import { HttpModule } from '../../../src/http/index.js';
import { setupOpenApi } from '../../../src/http/openapi.js';
import { RateLimitModule, type RateLimitPolicy } from '../../../src/limiter/index.js';
import { RulesModule, RulesPolicyResolver } from '../../../src/rules/index.js';

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

@Module({})
class ExplainTestApp {}

/** Starts a node on the database at `url`, listening on a loopback port. */
export async function startExplainNode(url: string): Promise<ExplainNode> {
  const db = DbModule.forRoot({ url, poolSize: 2 });
  const admin = AdminModule.forRoot({ token: ADMIN_TOKEN });
  const rules = RulesModule.forRootAsync({
    imports: [db, admin],
    useFactory: () => ({ defaultPolicy: DEFAULT_POLICY, refreshIntervalMs: 60_000 }),
  });
  const app = await NestFactory.create(
    {
      module: ExplainTestApp,
      imports: [
        HttpModule,
        db,
        admin,
        rules,
        RateLimitModule.forRootAsync({
          imports: [rules],
          policyResolver: RulesPolicyResolver,
          useFactory: () => ({ keyPrefix: `explain-e2e-${randomBytes(4).toString('hex')}` }),
        }),
        CheckModule,
        ExplainModule.forRoot({ imports: [admin, rules] }),
      ],
    },
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  setupOpenApi(app);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return {
    app,
    send: (method, path, options = {}) => {
      const headers = new Headers();
      const token = options.token === undefined ? ADMIN_TOKEN : options.token;
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      if (options.body !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${base}${path}`, {
        method,
        headers,
        ...(options.body === undefined
          ? {}
          : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      });
    },
    close: () => app.close(),
  };
}
