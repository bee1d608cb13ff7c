import { startRedisServer, type RedisServerHandle } from '../../support/redis-server.js';
import { freePort, postCheck, type RunningService, startService, uniquePrefix } from './service-harness.js';

describe('Floodgate service: health (memory store)', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ DEFAULT_LIMIT: '1' });
  });
  afterAll(() => service.close());

  it('GET /health/live and GET /health answer 200 in terminus JSON, and are never rate limited', async () => {
    for (let i = 0; i < 3; i++) {
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
      const ready = await fetch(`${service.url}/health`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ok',
        info: { rateLimitStore: { status: 'up' } },
        error: {},
        details: { rateLimitStore: { status: 'up' } },
      });
    }
  });
});

describe('Floodgate service: health and startup with its own Redis', () => {
  let redis: RedisServerHandle;
  let service: RunningService;

  beforeAll(async () => {
    redis = await startRedisServer(await freePort());
    service = await startService({ REDIS_URL: redis.url, RATE_LIMIT_KEY_PREFIX: uniquePrefix(), DEFAULT_LIMIT: '5' });
  });
  afterAll(async () => {
    await service?.close();
    await redis?.stop();
  });

  it('is ready while Redis answers, 503 with the reason when it does not, ready again when it is back', async () => {
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    await redis.kill();
    const down = await fetch(`${service.url}/health`);
    expect(down.status).toBe(503);
    const body = await down.json();
    expect(body).toMatchObject({
      status: 'error',
      error: { rateLimitStore: { status: 'down', message: expect.any(String) } },
    });
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    // Fail-open (the default): decisions go on while the store is down.
    const check = await postCheck(service, { clientId: 'during-outage' });
    expect(check.status).toBe(200);
    expect(check.headers.get('x-ratelimit-failed-open')).toBe('true');
    await redis.start();
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${service.url}/health`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });

  it('refuses to start when Redis is not ready in time, saying so', async () => {
    const closed = await freePort();
    await expect(startService({ REDIS_URL: `redis://127.0.0.1:${closed}`, LOG_LEVEL: 'silent' })).rejects.toThrow(
      new RegExp(`Redis was not ready within \\d+ ms .*ECONNREFUSED 127\\.0\\.0\\.1:${closed}`),
    );
  }, 15_000);
});
