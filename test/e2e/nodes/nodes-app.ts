import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AdminModule } from '../../../src/admin/index.js';
import { RateLimitModule } from '../../../src/limiter/index.js';
import { NodesModule } from '../../../src/nodes/index.js';
import { listenOnLoopback } from '../support/http.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const ADMIN_TOKEN = 'n'.repeat(32);
export const READONLY_TOKEN = 'o'.repeat(32);

export interface NodesNodeOptions {
  readonly nodeId: string;
  /** The registry's key prefix; unset: the memory registry (and the memory store). */
  readonly keyPrefix?: string;
  readonly heartbeatIntervalMs: number;
  readonly expiryMs: number;
}

/** One node of the mini app: the limiter (with insurance on), admin auth and the node registry. */
export interface NodesNode {
  readonly app: INestApplication;
  /** `GET /v1/admin/nodes` with the admin token (or `token`; null sends none). */
  nodes(token?: string | null): Promise<Response>;
  close(): Promise<void>;
}

@Module({})
class NodesTestApp {}

/** Starts a node on Fastify on a loopback port; with `keyPrefix`, limiter and registry use local Redis. */
export async function startNodesNode(options: NodesNodeOptions): Promise<NodesNode> {
  const redis = options.keyPrefix !== undefined ? REDIS_URL : undefined;
  const admin = AdminModule.forRoot({ token: ADMIN_TOKEN, readonlyToken: READONLY_TOKEN });
  const app = await NestFactory.create(
    {
      module: NodesTestApp,
      imports: [
        RateLimitModule.forRoot({
          ...(redis !== undefined ? { redis } : {}),
          keyPrefix: `nodes-e2e-${randomBytes(4).toString('hex')}`,
          insurance: { nodes: 1 },
        }),
        admin,
        NodesModule.forRootAsync({
          imports: [admin],
          useFactory: () => ({
            nodeId: options.nodeId,
            ...(redis !== undefined ? { redis, keyPrefix: options.keyPrefix } : {}),
            heartbeatIntervalMs: options.heartbeatIntervalMs,
            expiryMs: options.expiryMs,
          }),
        }),
      ],
    },
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  const base = await listenOnLoopback(app);
  return {
    app,
    nodes: (token = ADMIN_TOKEN) =>
      fetch(`${base}/v1/admin/nodes`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } }),
    close: () => app.close(),
  };
}
