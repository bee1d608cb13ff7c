/**
 * The real failure path: RateLimiter -> CircuitBreakerStore -> RedisRateLimitStore -> a redis-server
 * this suite starts on 127.0.0.1:6392, kills (SIGKILL, the crash case) and starts again (with an
 * empty script cache).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { DenialCache } from '../../src/limiter/denial-cache.js';
import type { RateLimitDecision } from '../../src/limiter/decision.js';
import type { RateLimitPolicy } from '../../src/limiter/policy/rate-limit-policy.js';
import type { FailMode } from '../../src/limiter/decision.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import { CircuitBreakerStore, type BreakerState } from '../../src/limiter/resilience/circuit-breaker.store.js';
import { MemoryRateLimitStore } from '../../src/limiter/store/memory/memory.store.js';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { scriptSources } from '../../src/limiter/store/redis/redis-scripts.js';
import { RedisRateLimitStore } from '../../src/limiter/store/redis/redis.store.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.mjs';

const PORT = 6392;
/** Far above the 50 ms command timeout: a consume that takes this long is hanging. */
const HANG_MS = 1_000;
/** How long recovery may take before the test gives up (it is expected in about a second). */
const RECOVERY_DEADLINE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise`'s value, or fails the test if it has not settled within `ms`. */
function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

function policy(limit: number): RateLimitPolicy {
  return {
    name: `failure-${randomUUID()}`,
    algorithm: 'sliding_window',
    limits: [{ limit, windowMs: 60_000 }],
    shadow: false,
  };
}

interface Chain {
  limiter: RateLimiter;
  breaker: CircuitBreakerStore;
  transitions: BreakerState[];
  close(): Promise<void>;
}

describe('Redis failure (real redis-server on 6392)', () => {
  let server: RedisServerHandle;
  let up = true;
  const chains: Chain[] = [];

  async function chain(failMode: FailMode, insuranceNodes = 0): Promise<Chain> {
    const client = createRedisClient(server.url, { commandTimeoutMs: 50 });
    await waitUntilReady(client, 5_000);
    const breaker = new CircuitBreakerStore(new RedisRateLimitStore(client, { ownsClient: true }), {
      consecutiveFailures: 3,
      halfOpenAfterMs: 200,
    });
    const transitions: BreakerState[] = [];
    breaker.onStateChange((state) => transitions.push(state));
    const insurance = new MemoryRateLimitStore();
    const limiter = new RateLimiter(
      breaker,
      { keyPrefix: 'fgtest', failMode, failClosedRetryAfterMs: 1_500, insuranceNodes },
      new DenialCache(),
      insurance,
    );
    const made: Chain = {
      limiter,
      breaker,
      transitions,
      async close() {
        await insurance.close();
        // Closing an ioredis client that is not connected leaves a 2 s disconnect timer behind.
        await waitUntilReady(client, RECOVERY_DEADLINE_MS).catch(() => undefined);
        await settlesWithin(breaker.close(), HANG_MS).catch(() => undefined);
        client.disconnect();
      },
    };
    chains.push(made);
    return made;
  }

  async function kill() {
    await server.kill();
    up = false;
  }
  async function restart() {
    await server.start();
    up = true;
  }

  /** Consumes until a decision comes from Redis again; returns it with how long that took. */
  async function untilFromStore(limiter: RateLimiter, p: RateLimitPolicy, identity: string) {
    const started = Date.now();
    while (Date.now() - started < RECOVERY_DEADLINE_MS) {
      const d = await settlesWithin(limiter.consume(p, identity, 1), HANG_MS);
      if (d.source === 'store') return { decision: d, tookMs: Date.now() - started };
      await sleep(25);
    }
    throw new Error(`decisions did not come from Redis again within ${RECOVERY_DEADLINE_MS} ms`);
  }

  beforeAll(async () => {
    server = await startRedisServer(PORT);
  });
  afterEach(async () => {
    // Restart first, so that the clients close cleanly.
    if (!up) await restart();
    await Promise.all(chains.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('fails open at once while Redis is down, opens the breaker, and recovers with its scripts', async () => {
    const { limiter, breaker, transitions } = await chain('open');
    const p = policy(3);
    expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ outcome: 'allowed', source: 'store' });

    await kill();
    // A burst at the dead store, then a steady trickle: none may hang, all are let through.
    const burst = await Promise.all(
      Array.from({ length: 20 }, () => settlesWithin(limiter.consume(p, 'ip:1', 1), HANG_MS)),
    );
    const trickle: RateLimitDecision[] = [];
    for (let i = 0; i < 10; i++) trickle.push(await settlesWithin(limiter.consume(p, 'ip:1', 1), HANG_MS));
    for (const d of [...burst, ...trickle]) {
      expect(d).toMatchObject({ allowed: true, outcome: 'failed_open', source: 'none' });
    }
    expect(breaker.state).toBe('open');
    expect(transitions[0]).toBe('open');

    await restart();
    const { decision, tookMs } = await untilFromStore(limiter, p, 'ip:1');
    process.stdout.write(`decisions came from Redis again ${tookMs} ms after the restart\n`);
    // The restarted Redis is empty: it counts from 0 again.
    expect(decision).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 2 });
    expect(breaker.state).toBe('closed');
    expect(transitions.at(-1)).toBe('closed');

    // Enforcement resumes: the counts exhaust and deny again.
    expect((await limiter.consume(p, 'ip:1', 1)).outcome).toBe('allowed');
    expect((await limiter.consume(p, 'ip:1', 1)).outcome).toBe('allowed');
    expect(await limiter.consume(p, 'ip:1', 1)).toMatchObject({ allowed: false, outcome: 'limited', source: 'store' });

    // The restarted server started with an empty script cache: the store loaded its script again.
    const sha = createHash('sha1').update(scriptSources().sliding_window).digest('hex');
    const probe = new Redis(server.url);
    try {
      expect(await probe.script('EXISTS', sha)).toEqual([1]);
    } finally {
      probe.disconnect();
    }
  });

  it('fails closed at once while Redis is down, then enforces again', async () => {
    const { limiter, breaker } = await chain('closed');
    const p = policy(2);
    await limiter.consume(p, 'ip:2', 1);

    await kill();
    const decisions = await Promise.all(
      Array.from({ length: 10 }, () => settlesWithin(limiter.consume(p, 'ip:2', 1), HANG_MS)),
    );
    for (let i = 0; i < 5; i++) decisions.push(await settlesWithin(limiter.consume(p, 'ip:2', 1), HANG_MS));
    for (const d of decisions) {
      expect(d).toMatchObject({ allowed: false, outcome: 'failed_closed', retryAfterMs: 1_500, source: 'none' });
    }
    expect(breaker.state).toBe('open');

    await restart();
    const { decision } = await untilFromStore(limiter, p, 'ip:2');
    expect(decision).toMatchObject({ allowed: true, outcome: 'allowed', remaining: 1 });
    expect((await limiter.consume(p, 'ip:2', 1)).outcome).toBe('allowed');
    expect((await limiter.consume(p, 'ip:2', 1)).outcome).toBe('limited');
  });

  it('keeps insurance limits while Redis is down: a limit of 9 over 3 nodes allows 3 here', async () => {
    const { limiter } = await chain('open', 3);
    const p = policy(9);
    expect((await limiter.consume(p, 'ip:3', 1)).source).toBe('store');

    await kill();
    const decisions: RateLimitDecision[] = [];
    for (let i = 0; i < 6; i++) decisions.push(await settlesWithin(limiter.consume(p, 'ip:3', 1), HANG_MS));
    expect(decisions.map((d) => d.outcome)).toEqual([
      'failed_open',
      'failed_open',
      'failed_open',
      'limited',
      'limited',
      'limited',
    ]);
    expect(decisions.every((d) => d.source === 'insurance')).toBe(true);
    // Another caller has its own insurance quota.
    expect((await settlesWithin(limiter.consume(p, 'ip:4', 1), HANG_MS)).outcome).toBe('failed_open');
  });
});
