/**
 * What clients see over HTTP when the limiter's Redis dies and comes back: mini apps on Fastify and
 * Express against a redis-server of this suite's own on 127.0.0.1:6394, killed with SIGKILL (the
 * crash case) and started again empty.
 */
import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, type Type } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RateLimit, RateLimitModule, type RateLimitModuleOptions } from '../../../src/limiter/index.js';
import { startRedisServer, type RedisServerHandle } from '../../support/redis-server.mjs';
import { limitHeaders, PLATFORMS, startApp, type Platform, type TestApp } from './support/start-app.js';

const PORT = 6394;
const MINUTE = 60_000;
/** Far above anything the limiter waits for: a request still unanswered by then is hanging. */
const ANSWER_WITHIN_MS = 2_000;
/** Recovery is expected in about a second (reconnect backoff, then the breaker's 500 ms half-open). */
const RECOVERY_DEADLINE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Every phase counts a fresh client (X-API-Key) so it starts from zero: a client refused earlier
// would be refused again from the denial cache, without the store being asked at all.
@Controller()
class LimitedController {
  @RateLimit({ limit: 2, windowMs: MINUTE, key: 'apiKey' })
  @Get('limited')
  limited() {
    return { ok: true };
  }
}

@Controller()
class WideController {
  @RateLimit({ limit: 4, windowMs: MINUTE, key: 'apiKey' })
  @Get('wide')
  wide() {
    return { ok: true };
  }
}

type Variant = 'open' | 'closed' | 'insurance';

interface VariantSetup {
  readonly path: string;
  readonly controller: Type;
  readonly options: Omit<RateLimitModuleOptions, 'redis' | 'keyPrefix'>;
}

const VARIANTS: Record<Variant, VariantSetup> = {
  open: { path: '/limited', controller: LimitedController, options: { failMode: 'open' } },
  closed: { path: '/limited', controller: LimitedController, options: { failMode: 'closed' } },
  insurance: { path: '/wide', controller: WideController, options: { insurance: { nodes: 2 } } },
};

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | null>;
  readonly body: unknown;
}

interface RunningVariant {
  readonly app: TestApp;
  readonly keyPrefix: string;
  /** GETs the variant's route as `client`; rejects if no answer came within ANSWER_WITHIN_MS. */
  hit(client: string): Promise<Answer>;
}

async function startVariant(platform: Platform, variant: Variant, redisUrl: string): Promise<RunningVariant> {
  const { path, controller, options } = VARIANTS[variant];
  const keyPrefix = `fg-e2e-rf-${randomUUID()}`;

  @Module({ imports: [RateLimitModule.forRoot({ ...options, redis: redisUrl, keyPrefix })], controllers: [controller] })
  class FailureModule {}

  const app = await startApp(platform, FailureModule);
  return {
    app,
    keyPrefix,
    async hit(client) {
      const response = await app.request(path, {
        headers: { 'x-api-key': client },
        signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
      });
      return { status: response.status, headers: limitHeaders(response), body: await response.json() };
    },
  };
}

/** A client id no earlier request used. */
const freshClient = (label: string) => `${label}-${randomUUID()}`;

/** `count` requests at once, then `count` one after another; fails unless every one was answered. */
async function burstThenTrickle(target: RunningVariant, count: number): Promise<Answer[]> {
  const client = freshClient('down');
  const settled = await Promise.allSettled(Array.from({ length: count }, () => target.hit(client)));
  for (let i = 0; i < count; i++) settled.push(...(await Promise.allSettled([target.hit(client)])));
  const unanswered = settled.filter((s) => s.status === 'rejected').map((s) => String(s.reason));
  expect(unanswered).toEqual([]);
  return settled.map((s) => (s as PromiseFulfilledResult<Answer>).value);
}

/** Polls with fresh clients until `fromStore` says an answer came from Redis; returns how long it took. */
async function untilRecovered(target: RunningVariant, fromStore: (answer: Answer) => boolean): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < RECOVERY_DEADLINE_MS) {
    if (fromStore(await target.hit(freshClient('poll')))) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`enforcement did not resume within ${RECOVERY_DEADLINE_MS} ms of the restart`);
}

/** Statuses of `count` sequential requests of one fresh client. */
async function statusesOf(target: RunningVariant, count: number): Promise<number[]> {
  const client = freshClient('count');
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await target.hit(client)).status);
  return result;
}

describe(`HTTP behaviour when Redis fails (redis-server on ${PORT})`, () => {
  let server: RedisServerHandle;
  let up = false;
  const apps = new Map<string, RunningVariant>();
  const appOf = (platform: Platform, variant: Variant) => apps.get(`${platform}:${variant}`)!;

  beforeAll(async () => {
    server = await startRedisServer(PORT);
    up = true;
    // Every app connects at startup: the module refuses to start against a Redis that is not there.
    for (const platform of PLATFORMS) {
      for (const variant of Object.keys(VARIANTS) as Variant[]) {
        apps.set(`${platform}:${variant}`, await startVariant(platform, variant, server.url));
      }
    }
  });

  afterAll(async () => {
    // Closing a client that is not connected leaves ioredis' disconnect timer behind: bring Redis back first.
    if (server !== undefined && !up) await server.start();
    await Promise.all([...apps.values()].map((running) => running.app.close()));
    await server?.stop();
  });

  describe('while Redis is up', () => {
    it.each(PLATFORMS)('%s: counts in Redis, 200s then 429, in both fail modes', async (platform) => {
      for (const variant of ['open', 'closed'] as const) {
        expect(await statusesOf(appOf(platform, variant), 3)).toEqual([200, 200, 429]);
      }
      expect(await statusesOf(appOf(platform, 'insurance'), 5)).toEqual([200, 200, 200, 200, 429]);
    });
  });

  describe('after Redis is killed', () => {
    beforeAll(async () => {
      await server.kill();
      up = false;
    });

    it.each(PLATFORMS)('%s, fail open: every request answers 200 marked X-RateLimit-Failed-Open', async (platform) => {
      const answers = await burstThenTrickle(appOf(platform, 'open'), 10);
      expect(answers).toHaveLength(20);
      for (const answer of answers) {
        expect(answer).toMatchObject({ status: 200, body: { ok: true } });
        expect(answer.headers['x-ratelimit-failed-open']).toBe('true');
        expect(answer.headers['retry-after']).toBeNull();
      }
    });

    it.each(PLATFORMS)('%s, fail closed: every request answers 503 with Retry-After and a body', async (platform) => {
      const answers = await burstThenTrickle(appOf(platform, 'closed'), 10);
      expect(answers).toHaveLength(20);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        // The breaker's half-open delay (500 ms): no sooner will Redis be asked again.
        expect(answer.headers['retry-after']).toBe('1');
        expect(answer.headers['x-ratelimit-failed-open']).toBeNull();
        expect(answer.body).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'Rate limiting is unavailable; retry in 1 s',
          retryAfterMs: 500,
          rule: 'GET /limited',
        });
      }
    });

    it.each(PLATFORMS)('%s, insurance over 2 nodes: a limit of 4 allows 2 here, then 429', async (platform) => {
      const target = appOf(platform, 'insurance');
      const client = freshClient('insured');
      const answers: Answer[] = [];
      for (let i = 0; i < 4; i++) answers.push(await target.hit(client));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 429]);
      for (const allowed of answers.slice(0, 2)) {
        expect(allowed.headers).toMatchObject({ 'x-ratelimit-failed-open': 'true', 'x-ratelimit-limit': '2' });
      }
      expect(answers[2]!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', rule: 'GET /wide' });
      expect(answers[2]!.headers['x-ratelimit-failed-open']).toBeNull();
    });
  });

  describe('after Redis restarts', () => {
    beforeAll(async () => {
      await server.start();
      up = true;
    });

    /** The keys the app's prefix holds in the restarted (so at first empty) Redis. */
    async function keysOf(target: RunningVariant): Promise<string[]> {
      const probe = new Redis(server.url);
      try {
        return await probe.keys(`${target.keyPrefix}:*`);
      } finally {
        probe.disconnect();
      }
    }

    it.each(PLATFORMS)('%s, fail open: enforcement resumes from Redis', async (platform) => {
      const target = appOf(platform, 'open');
      await untilRecovered(target, (a) => a.status === 200 && a.headers['x-ratelimit-failed-open'] === null);
      const client = freshClient('back');
      const answers: Answer[] = [];
      for (let i = 0; i < 3; i++) answers.push(await target.hit(client));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      expect(answers.map((a) => a.headers['x-ratelimit-failed-open'])).toEqual([null, null, null]);
      expect(answers.map((a) => a.headers['x-ratelimit-remaining'])).toEqual(['1', '0', '0']);
      expect((await keysOf(target)).length).toBeGreaterThan(0);
    });

    it.each(PLATFORMS)('%s, fail closed: requests are served and counted in Redis again', async (platform) => {
      const target = appOf(platform, 'closed');
      await untilRecovered(target, (a) => a.status === 200);
      expect(await statusesOf(target, 3)).toEqual([200, 200, 429]);
      expect((await keysOf(target)).length).toBeGreaterThan(0);
    });

    it.each(PLATFORMS)('%s, insurance: the full limit of 4 applies again, from Redis', async (platform) => {
      const target = appOf(platform, 'insurance');
      await untilRecovered(target, (a) => a.status === 200 && a.headers['x-ratelimit-failed-open'] === null);
      expect(await statusesOf(target, 5)).toEqual([200, 200, 200, 200, 429]);
      expect((await keysOf(target)).length).toBeGreaterThan(0);
    });
  });
});
