import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { listenOnLoopback } from '../../support/http.js';

export type Platform = 'fastify' | 'express';
export const PLATFORMS: readonly Platform[] = ['fastify', 'express'];

export interface TestApp {
  readonly app: INestApplication;
  /** GETs (or sends `init`) to `path` on the running app over a real socket. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Proxies whose X-Forwarded-For is believed (Fastify `trustProxy`, Express `trust proxy`). */
  trustProxy?: string[];
}

/** Creates the app on the platform without listening (startup failures surface from `init`). */
export async function createApp(
  platform: Platform,
  module: Type,
  options: StartOptions = {},
): Promise<INestApplication> {
  if (platform === 'fastify') {
    return NestFactory.create(module, new FastifyAdapter({ trustProxy: options.trustProxy ?? false }), {
      logger: false,
      abortOnError: false,
    });
  }
  const app = await NestFactory.create(module, new ExpressAdapter(), { logger: false, abortOnError: false });
  (app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void }).set(
    'trust proxy',
    options.trustProxy ?? false,
  );
  return app;
}

/** A mini app listening on an ephemeral loopback port. */
export async function startApp(platform: Platform, module: Type, options: StartOptions = {}): Promise<TestApp> {
  const app = await createApp(platform, module, options);
  const base = await listenOnLoopback(app);
  return {
    app,
    request: (path, init) => fetch(`${base}${path}`, init),
    close: () => app.close(),
  };
}

/** The rate-limit headers of a response, for exact comparisons. */
export function limitHeaders(response: Response): Record<string, string | null> {
  const names = [
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-reset',
    'ratelimit-policy',
    'ratelimit',
    'retry-after',
    'x-ratelimit-failed-open',
  ];
  return Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
}

/** Sends `count` requests one after another and returns their statuses. */
export async function statuses(app: TestApp, path: string, count: number, init?: RequestInit): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await app.request(path, init);
    await response.arrayBuffer();
    result.push(response.status);
  }
  return result;
}
