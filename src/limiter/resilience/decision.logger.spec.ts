import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';
import { RateLimiter } from '../rate-limiter.js';
import { MemoryRateLimitStore } from '../store/memory/memory.store.js';
import type { ConsumeResult, RateLimitStore } from '../store/rate-limit.store.js';
import { CircuitBreakerStore } from './circuit-breaker.store.js';
import { DECISION_LOG_PERIOD_MS, DecisionLogger } from './decision.logger.js';

/** A store that is down until `up` is set: every call rejects, as a broken connection does. */
class SwitchableStore implements RateLimitStore {
  up = false;
  private readonly memory = new MemoryRateLimitStore({ sweepIntervalMs: 0 });
  async consume(request: Parameters<RateLimitStore['consume']>[0]): Promise<ConsumeResult> {
    if (!this.up) throw new Error('connect ECONNREFUSED');
    return this.memory.consume(request);
  }
  async release(request: Parameters<RateLimitStore['release']>[0]): Promise<boolean> {
    return this.memory.release(request);
  }
  async refund(request: Parameters<RateLimitStore['refund']>[0]): Promise<void> {
    return this.memory.refund(request);
  }
  async reset(request: Parameters<RateLimitStore['reset']>[0]): Promise<void> {
    return this.memory.reset(request);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

class ClockedDecisionLogger extends DecisionLogger {
  clock = 1_000_000;
  protected override now(): number {
    return this.clock;
  }
}

const policy = (shadow = false): RateLimitPolicy => ({
  name: `rule-${randomUUID()}`,
  algorithm: 'fixed_window',
  limits: [{ limit: 1, windowMs: 60_000 }],
  shadow,
});

describe('DecisionLogger', () => {
  let lines: [string, string][];
  beforeEach(() => {
    lines = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => {
        lines.push([level, String(message)]);
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs the first decision made without the store, then at most one line per period with a count', async () => {
    const store = new SwitchableStore();
    const limiter = new RateLimiter(store, { keyPrefix: 'fgtest', failMode: 'open', failClosedRetryAfterMs: 500 });
    const logger = new ClockedDecisionLogger(limiter, store);
    logger.onModuleInit();
    const p = policy();
    for (let i = 0; i < 5; i++) await limiter.consume(p, 'ip:1', 1);
    expect(lines).toEqual([
      ['warn', `Store failed for rule "${p.name}" (connect ECONNREFUSED): decided failed_open from the fail mode`],
    ]);
    logger.clock += DECISION_LOG_PERIOD_MS;
    await limiter.consume(p, 'ip:1', 1);
    expect(lines[1]).toEqual([
      'warn',
      `Store failed for rule "${p.name}" (connect ECONNREFUSED): decided failed_open from the fail mode; 4 more since the last report`,
    ]);
  });

  it('logs every circuit breaker transition, with the decisions folded since the last line', async () => {
    const inner = new SwitchableStore();
    const store = new CircuitBreakerStore(inner, { consecutiveFailures: 2, halfOpenAfterMs: 50 });
    const limiter = new RateLimiter(store, { keyPrefix: 'fgtest', failMode: 'closed', failClosedRetryAfterMs: 50 });
    new ClockedDecisionLogger(limiter, store).onModuleInit();
    const p = policy();
    for (let i = 0; i < 3; i++) await limiter.consume(p, 'ip:1', 1);
    expect(lines.map(([level]) => level)).toEqual(['warn', 'error']);
    // The breaker opens inside the second failing call, before the limiter reports that decision.
    expect(lines[1]![1]).toBe('Circuit breaker opened: the store is not called until a probe succeeds');
    inner.up = true;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await limiter.consume(p, 'ip:2', 1)).outcome).toBe('allowed');
    expect(lines.slice(2)).toEqual([
      ['warn', 'Circuit breaker half-open; 2 more decisions were made without the store since the last report'],
      ['warn', 'Circuit breaker closed'],
    ]);
  });

  it('logs a shadow rule over its limit, once per period per rule', async () => {
    const store = new SwitchableStore();
    store.up = true;
    const limiter = new RateLimiter(store, { keyPrefix: 'fgtest', failMode: 'open', failClosedRetryAfterMs: 500 });
    new ClockedDecisionLogger(limiter, store).onModuleInit();
    const p = policy(true);
    for (let i = 0; i < 4; i++) expect((await limiter.consume(p, 'ip:1', 1)).allowed).toBe(true);
    expect(lines).toEqual([
      ['log', `Shadow rule "${p.name}" is over its limit (1 per window); the request went through`],
    ]);
  });

  it('logs a refusal once per period per rule, naming the rule, and nothing for a dry run', async () => {
    const store = new SwitchableStore();
    store.up = true;
    const limiter = new RateLimiter(store, { keyPrefix: 'fgtest', failMode: 'open', failClosedRetryAfterMs: 500 });
    const logger = new ClockedDecisionLogger(limiter, store);
    logger.onModuleInit();
    const [a, b] = [policy(), policy()];
    await limiter.consume(a, 'ip:1', 1);
    // A dry run that is refused logs nothing (its refusal is cached: the next ones come from memory).
    expect((await limiter.consume(a, 'ip:1', 1, { entry: 'explain', dryRun: true })).outcome).toBe('limited');
    expect(lines).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await limiter.consume(a, 'ip:1', 1)).outcome).toBe('limited');
    await limiter.consume(b, 'ip:1', 1);
    await limiter.consume(b, 'ip:1', 1);
    // fixed_window waits until its window ends: the seconds vary.
    const waits = () => lines.map(([level, line]) => [level, line.replace(/retry in \d+ s/, 'retry in N s')]);
    expect(waits()).toEqual([
      ['log', `Rule "${a.name}" refused a request (limit 1, retry in N s, answered from the denial cache)`],
      ['log', `Rule "${b.name}" refused a request (limit 1, retry in N s, answered from the store)`],
    ]);
    logger.clock += DECISION_LOG_PERIOD_MS;
    await limiter.consume(a, 'ip:1', 1);
    // The two other refusals of the period were folded into the next line.
    expect(waits()[2]).toEqual([
      'log',
      `Rule "${a.name}" refused a request (limit 1, retry in N s, answered from the denial cache); 2 more since the last report`,
    ]);
  });

  it('labels a per-resource policy by its rule, so one line per period covers every resource', async () => {
    const store = new SwitchableStore();
    store.up = true;
    const limiter = new RateLimiter(store, { keyPrefix: 'fgtest', failMode: 'open', failClosedRetryAfterMs: 500 });
    new ClockedDecisionLogger(limiter, store).onModuleInit();
    const rule = `rule-${randomUUID()}`;
    for (const resource of ['GET /a', 'GET /b']) {
      const p = { ...policy(), name: `${rule}|${resource}`, rule };
      await limiter.consume(p, 'ip:1', 1);
      await limiter.consume(p, 'ip:1', 1);
    }
    const waits = lines.map(([level, line]) => [level, line.replace(/retry in \d+ s/, 'retry in N s')]);
    expect(waits).toEqual([
      ['log', `Rule "${rule}" refused a request (limit 1, retry in N s, answered from the store)`],
    ]);
  });
});
