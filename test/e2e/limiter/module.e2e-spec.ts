import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import {
  getRateLimitOptionsToken,
  getRateLimitStoreToken,
  InjectRateLimitOptions,
  InjectRateLimitStore,
  MemoryRateLimitStore,
  PolicyResolver,
  RateLimit,
  RateLimitModule,
  RateLimitStore,
  RateLimiter,
  type PolicyQuery,
  type RateLimitModuleOptions,
  type RateLimitPolicy,
} from '../../../src/limiter/index.js';
import { CircuitBreakerStore } from '../../../src/limiter/resilience/circuit-breaker.store.js';
import { createApp, limitHeaders, PLATFORMS, startApp, statuses, type TestApp } from './support/start-app.js';

const MINUTE = 60_000;

@Controller('items')
class ItemsController {
  @RateLimit({ limit: 2, windowMs: MINUTE, algorithm: 'sliding_log' })
  @Get()
  list() {
    return { ok: true };
  }

  @Get('plain')
  plain() {
    return { ok: true };
  }
}

@Injectable()
class LimitsConfig {
  readonly defaultLimit = 1;
}

@Module({ providers: [LimitsConfig], exports: [LimitsConfig] })
class ConfigModule {}

@Module({
  imports: [
    RateLimitModule.forRootAsync({
      imports: [ConfigModule],
      inject: [LimitsConfig],
      useFactory: (config: LimitsConfig) => ({
        default: { limit: config.defaultLimit, windowMs: MINUTE },
        headers: { ietf: false },
      }),
    }),
  ],
  controllers: [ItemsController],
})
class AsyncModule {}

/** Stands in for the rules module's resolver: an admin rule for `GET /items/plain`. */
@Injectable()
class RulesResolver implements PolicyResolver {
  private readonly rule: RateLimitPolicy = Object.freeze({
    name: 'admin-rule',
    algorithm: 'sliding_log',
    limits: [{ limit: 3, windowMs: MINUTE }],
    shadow: false,
  });

  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    return query.resource === 'GET /items/plain' ? this.rule : query.declared;
  }
}

@Module({ providers: [RulesResolver], exports: [RulesResolver] })
class RulesModule {}

@Module({
  imports: [
    RateLimitModule.forRootAsync({ imports: [RulesModule], useFactory: () => ({}), policyResolver: RulesResolver }),
  ],
  controllers: [ItemsController],
})
class CustomResolverModule {}

@Controller('broken')
class BrokenController {
  @RateLimit({ limit: 10, windowMs: 0 })
  @Get()
  get() {
    return { ok: true };
  }
}

@Module({ imports: [RateLimitModule.forRoot({})], controllers: [BrokenController] })
class BrokenDecoratorModule {}

@Module({ imports: [RateLimitModule.forRoot({ default: { limit: -1, windowMs: 1_000 } })], controllers: [] })
class BrokenDefaultModule {}

/** Exposes what the module exports, to check they are injectable app-wide. */
@Controller('exports')
class ExportsController {
  constructor(
    @Inject(RateLimiter) readonly limiter: RateLimiter,
    @Inject(PolicyResolver) readonly resolver: PolicyResolver,
    @Inject(RateLimitStore) readonly store: RateLimitStore,
  ) {}

  @Get()
  get() {
    return { breaker: this.store instanceof CircuitBreakerStore };
  }
}

/** Injects with the library's helpers, as an app's own provider would. */
@Injectable()
class CountersReader {
  constructor(
    @InjectRateLimitStore() readonly store: RateLimitStore,
    @InjectRateLimitOptions() readonly options: RateLimitModuleOptions,
  ) {}
}

/** An app giving its own store: the helpers must inject exactly it, and the options it gave. */
function ownStoreModule(store: RateLimitStore) {
  @Module({
    imports: [RateLimitModule.forRoot({ store, keyPrefix: 'fg-own-store' })],
    controllers: [ItemsController],
    providers: [CountersReader],
  })
  class OwnStoreModule {}
  return OwnStoreModule;
}

/** One app per platform, each with its own key prefix in the shared Redis. */
function redisModule() {
  @Module({
    imports: [RateLimitModule.forRoot({ redis: 'redis://127.0.0.1:6379', keyPrefix: `fg-e2e-${randomUUID()}` })],
    controllers: [ItemsController, ExportsController],
  })
  class RedisModule {}
  return RedisModule;
}

describe.each(PLATFORMS)('RateLimitModule on %s', (platform) => {
  describe('forRootAsync with useFactory + inject', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, AsyncModule);
    });
    afterAll(() => app.close());

    it('uses the factory options: default limit from the injected config, IETF headers off', async () => {
      const first = await app.request('/items/plain');
      expect(first.status).toBe(200);
      expect(limitHeaders(first)).toMatchObject({
        'x-ratelimit-limit': '1',
        'ratelimit-policy': null,
        ratelimit: null,
      });
      expect(await statuses(app, '/items/plain', 1)).toEqual([429]);
    });
  });

  describe('with an app-supplied PolicyResolver', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, CustomResolverModule);
    });
    afterAll(() => app.close());

    it('enforces what the resolver answers', async () => {
      expect(await statuses(app, '/items/plain', 4)).toEqual([200, 200, 200, 429]);
      expect(await statuses(app, '/items', 3)).toEqual([200, 200, 429]);
    });
  });

  describe('invalid options', () => {
    it('fail the startup, naming the route, the field and the reason', async () => {
      const app = await createApp(platform, BrokenDecoratorModule);
      await expect(app.init()).rejects.toThrow(
        '@RateLimit() on BrokenController.get: "windowMs" must be an integer >= 1, got 0',
      );
      await app.close();
    });

    it('fail the startup for the module default', async () => {
      await expect(createApp(platform, BrokenDefaultModule)).rejects.toThrow(
        'RateLimitModule default: "limit" must be an integer >= 0, got -1',
      );
    });
  });

  describe('injection helpers', () => {
    const store = new MemoryRateLimitStore({ sweepIntervalMs: 0 });
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, ownStoreModule(store));
    });
    afterAll(() => app.close());

    it('inject the store the guard decides with and the module options, also by their tokens', async () => {
      const reader = app.app.get(CountersReader);
      expect(reader.store).toBe(store);
      expect(reader.options).toMatchObject({ keyPrefix: 'fg-own-store' });
      expect(app.app.get(getRateLimitStoreToken())).toBe(store);
      expect(app.app.get(getRateLimitOptionsToken())).toBe(reader.options);
      // The guard counts in that very store: its keys appear there.
      expect(store.size).toBe(0);
      expect(await statuses(app, '/items', 3)).toEqual([200, 200, 429]);
      expect(store.size).toBeGreaterThan(0);
    });
  });

  describe('with Redis', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(platform, redisModule());
    });
    afterAll(() => app.close());

    it('counts in Redis behind a circuit breaker, with exact headers', async () => {
      const exported = await app.request('/exports');
      expect(await exported.json()).toEqual({ breaker: true });
      const first = await app.request('/items');
      expect(limitHeaders(first)).toMatchObject({
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '1',
        'ratelimit-policy': '"GET /items";q=2;w=60',
      });
      expect(await statuses(app, '/items', 2)).toEqual([200, 429]);
    });
  });
});
