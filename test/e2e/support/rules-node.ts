/**
 * Mini apps of the service's modules, for suites that test the rules machinery without the rest of
 * the service: the database, admin auth, the rules (with the options the suite picks), the limiter
 * resolving through them with its counters in this process's memory, and `/v1/check`.
 */
import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { type ADMIN_OPTIONS_TYPE, AdminModule } from '../../../src/admin/index.js';
import { CheckModule } from '../../../src/check/index.js';
import { DbModule } from '../../../src/db/index.js';
import { HttpModule } from '../../../src/http/index.js';
import { RateLimitModule } from '../../../src/limiter/index.js';
import { RulesModule, type RulesModuleOptions, RulesPolicyResolver } from '../../../src/rules/index.js';
import { listenOnLoopback } from './http.js';

export interface RulesNodeOptions {
  /** The database the node reads and writes its rules in. */
  readonly databaseUrl: string;
  readonly poolSize: number;
  readonly admin: typeof ADMIN_OPTIONS_TYPE;
  readonly rules: RulesModuleOptions;
  /** Names the node's counters: a fresh namespace of this prefix per node. */
  readonly keyPrefix: string;
  /** Modules beside the rules node's, given its admin and rules modules to import. */
  readonly extra?: (modules: { admin: DynamicModule; rules: DynamicModule }) => DynamicModule[];
  /** Runs on the app before it listens. */
  readonly setup?: (app: INestApplication) => void;
}

export interface StartedRulesNode {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

@Module({})
class RulesNodeApp {}

/** Starts a rules node on Fastify, listening on a loopback port. */
export async function startRulesNodeApp(options: RulesNodeOptions): Promise<StartedRulesNode> {
  const db = DbModule.forRoot({ url: options.databaseUrl, poolSize: options.poolSize });
  const admin = AdminModule.forRoot(options.admin);
  const rules = RulesModule.forRootAsync({ imports: [db, admin], useFactory: () => options.rules });
  const app = await NestFactory.create(
    {
      module: RulesNodeApp,
      imports: [
        HttpModule,
        db,
        admin,
        rules,
        RateLimitModule.forRootAsync({
          imports: [rules],
          policyResolver: RulesPolicyResolver,
          useFactory: () => ({ keyPrefix: `${options.keyPrefix}-${randomBytes(4).toString('hex')}` }),
        }),
        CheckModule,
        ...(options.extra?.({ admin, rules }) ?? []),
      ],
    },
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  options.setup?.(app);
  const url = await listenOnLoopback(app);
  return { app, url, close: () => app.close() };
}
