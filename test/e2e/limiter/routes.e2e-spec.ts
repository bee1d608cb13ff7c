import { Controller, Get, Module, type ExecutionContext } from '@nestjs/common';
import { RateLimit, RateLimitModule, SkipRateLimit } from '../../../src/limiter/index.js';
import { limitHeaders, PLATFORMS, startApp, statuses, type TestApp } from './support/start-app.js';

const MINUTE = 60_000;

@RateLimit({ limit: 2, windowMs: MINUTE, algorithm: 'sliding_log' })
@Controller('limited')
class LimitedController {
  @Get()
  list() {
    return { ok: true };
  }

  @RateLimit({ limit: 1, windowMs: MINUTE })
  @Get('one')
  one() {
    return { ok: true };
  }

  @SkipRateLimit()
  @Get('free')
  free() {
    return { ok: true };
  }

  @Get(':id')
  byId() {
    return { ok: true };
  }
}

@SkipRateLimit()
@Controller('skipped')
class SkippedController {
  @RateLimit({ limit: 1, windowMs: MINUTE })
  @Get()
  get() {
    return { ok: true };
  }
}

@Controller('plain')
class PlainController {
  @Get()
  get() {
    return { ok: true };
  }

  @Get('other')
  other() {
    return { ok: true };
  }
}

const unitsOf = (context: ExecutionContext) =>
  Number(context.switchToHttp().getRequest<{ query: Record<string, string> }>().query['units']);

@Controller('features')
class FeaturesController {
  @RateLimit({ limit: 2, windowMs: MINUTE, algorithm: 'sliding_log', name: 'hdr' })
  @Get('headers')
  headers() {
    return { ok: true };
  }

  @RateLimit({
    limits: [
      { limit: 2, windowMs: 1_000 },
      { limit: 3, windowMs: MINUTE },
    ],
    algorithm: 'sliding_log',
    name: 'multi',
  })
  @Get('multi')
  multi() {
    return { ok: true };
  }

  @RateLimit({ limit: 5, windowMs: MINUTE, algorithm: 'sliding_log', cost: 3 })
  @Get('cost')
  cost() {
    return { ok: true };
  }

  @RateLimit({ limit: 5, windowMs: MINUTE, algorithm: 'sliding_log', cost: unitsOf })
  @Get('cost-fn')
  costFn() {
    return { ok: true };
  }

  @RateLimit({ limit: 1, windowMs: MINUTE, algorithm: 'sliding_log', shadow: true, name: 'shadowed' })
  @Get('shadow')
  shadow() {
    return { ok: true };
  }
}

@Module({
  imports: [RateLimitModule.forRoot({})],
  controllers: [LimitedController, SkippedController, PlainController, FeaturesController],
})
class NoDefaultModule {}

@Module({
  imports: [RateLimitModule.forRoot({ default: { limit: 1, windowMs: MINUTE } })],
  controllers: [PlainController, SkippedController],
})
class WithDefaultModule {}

describe.each(PLATFORMS)('rate-limited routes on %s', (platform) => {
  describe('without a module default', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, NoDefaultModule);
    });
    afterAll(() => app.close());

    it('limits every route of a @RateLimit controller', async () => {
      expect(await statuses(app, '/limited', 3)).toEqual([200, 200, 429]);
    });

    it("lets a handler's @RateLimit override its controller's", async () => {
      expect(await statuses(app, '/limited/one', 2)).toEqual([200, 429]);
    });

    it('exempts a @SkipRateLimit handler of a limited controller', async () => {
      expect(await statuses(app, '/limited/free', 4)).toEqual([200, 200, 200, 200]);
    });

    it('exempts every route of a @SkipRateLimit controller, even a decorated one', async () => {
      expect(await statuses(app, '/skipped', 3)).toEqual([200, 200, 200]);
    });

    it('leaves undecorated routes unlimited', async () => {
      expect(await statuses(app, '/plain', 5)).toEqual([200, 200, 200, 200, 200]);
    });

    it('names a route by its template path, so /limited/1 and /limited/2 share one counter', async () => {
      expect(await statuses(app, '/limited/1', 1)).toEqual([200]);
      expect(await statuses(app, '/limited/2', 1)).toEqual([200]);
      const refused = await app.request('/limited/3');
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ rule: 'GET /limited/:id' });
    });

    it('sends exact headers on allowed and refused responses, and the 429 body', async () => {
      const first = await app.request('/features/headers');
      expect(first.status).toBe(200);
      expect(limitHeaders(first)).toEqual({
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-reset': '60',
        'ratelimit-policy': '"hdr";q=2;w=60',
        ratelimit: '"hdr";r=1;t=60',
        'retry-after': null,
        'x-ratelimit-failed-open': null,
      });
      const second = await app.request('/features/headers');
      expect(limitHeaders(second)).toMatchObject({ 'x-ratelimit-remaining': '0', ratelimit: '"hdr";r=0;t=60' });

      const refused = await app.request('/features/headers');
      expect(refused.status).toBe(429);
      expect(limitHeaders(refused)).toEqual({
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '60',
        'ratelimit-policy': '"hdr";q=2;w=60',
        ratelimit: '"hdr";r=0;t=60',
        'retry-after': '60',
        'x-ratelimit-failed-open': null,
      });
      const body = (await refused.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'retryAfterMs', 'rule', 'statusCode']);
      expect(body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Rate limit exceeded; retry in 60 s',
        rule: 'hdr',
      });
      expect(body['retryAfterMs']).toBeGreaterThan(50_000);
      expect(body['retryAfterMs']).toBeLessThanOrEqual(MINUTE);

      // The cached denial answers the same way.
      const again = await app.request('/features/headers');
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toBe('60');
    });

    it('enforces limits[] atomically: a refused request consumes nothing from any limit', async () => {
      expect(await statuses(app, '/features/multi', 3)).toEqual([200, 200, 429]);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      const fourth = await app.request('/features/multi');
      expect(fourth.status).toBe(200);
      expect(limitHeaders(fourth)).toMatchObject({
        'x-ratelimit-limit': '3',
        'x-ratelimit-remaining': '0',
        'ratelimit-policy': '"multi/1s";q=2;w=1, "multi/60s";q=3;w=60',
        ratelimit: '"multi/60s";r=0;t=60',
      });
      expect(await statuses(app, '/features/multi', 1)).toEqual([429]);
    });

    it('takes a fixed cost per request', async () => {
      const first = await app.request('/features/cost');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
      expect(await statuses(app, '/features/cost', 1)).toEqual([429]);
    });

    it('takes the cost a function computes, and fails loudly on a bad one', async () => {
      expect(await statuses(app, '/features/cost-fn?units=4', 1)).toEqual([200]);
      expect(await statuses(app, '/features/cost-fn?units=2', 1)).toEqual([429]);
      expect(await statuses(app, '/features/cost-fn?units=1', 1)).toEqual([200]);
      expect(await statuses(app, '/features/cost-fn?units=1.5', 1)).toEqual([500]);
    });

    it('lets shadow-limited requests through with ordinary headers', async () => {
      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await app.request('/features/shadow'));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(limitHeaders(responses[2]!)).toEqual({
        'x-ratelimit-limit': '1',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': '60',
        'ratelimit-policy': '"shadowed";q=1;w=60',
        ratelimit: '"shadowed";r=0;t=60',
        'retry-after': null,
        'x-ratelimit-failed-open': null,
      });
    });
  });

  describe('with a module default', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, WithDefaultModule);
    });
    afterAll(() => app.close());

    it('limits undecorated routes, each route on its own counter', async () => {
      expect(await statuses(app, '/plain', 2)).toEqual([200, 429]);
      const other = await app.request('/plain/other');
      expect(other.status).toBe(200);
      expect(other.headers.get('ratelimit-policy')).toBe('"GET /plain/other";q=1;w=60');
    });

    it('still exempts @SkipRateLimit routes', async () => {
      expect(await statuses(app, '/skipped', 3)).toEqual([200, 200, 200]);
    });
  });
});
