import { BadRequestException } from '@nestjs/common';
import type {
  CallerGate,
  CallerQuery,
  CallerVerdict,
  PolicyQuery,
  PolicyResolver,
  RateLimitPolicy,
  RateLimitStore,
} from '../limiter/index.js';
import { RateLimiter } from '../limiter/index.js';
import { MemoryRateLimitStore } from '../limiter/store/memory/memory.store.js';
import { UNLIMITED } from './check-response.js';
import { CheckService } from './check.service.js';

/** Resolves from a fixed table, recording the queries it was asked. */
class TableResolver implements PolicyResolver {
  readonly queries: PolicyQuery[] = [];
  constructor(private readonly table: Record<string, RateLimitPolicy>) {}
  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    this.queries.push(query);
    return this.table[query.resource];
  }
}

/** A store whose Redis is gone: every call fails. */
class DownStore implements RateLimitStore {
  consume(): never {
    throw new Error('connection refused');
  }
  release(): never {
    throw new Error('connection refused');
  }
  refund(): never {
    throw new Error('connection refused');
  }
  reset(): never {
    throw new Error('connection refused');
  }
  async ping(): Promise<void> {
    throw new Error('connection refused');
  }
  async close(): Promise<void> {}
}

const search: RateLimitPolicy = {
  name: 'search',
  algorithm: 'fixed_window',
  limits: [{ limit: 2, windowMs: 60_000 }],
  shadow: false,
};

/** Limits everyone as usual, recording whom it was asked about. */
class RecordingGate implements CallerGate {
  readonly queries: CallerQuery[] = [];
  check(query: CallerQuery): CallerVerdict {
    this.queries.push(query);
    return { kind: 'limit' };
  }
}

function service(
  resolver: PolicyResolver,
  store: RateLimitStore,
  failMode: 'open' | 'closed' = 'open',
  gate?: CallerGate,
): CheckService {
  const limiter = new RateLimiter(store, { keyPrefix: 'spec', failMode, failClosedRetryAfterMs: 500 });
  return new CheckService(resolver, limiter, {}, gate);
}

describe('CheckService', () => {
  it('asks the resolver with resource (default "global"), tier and clientId', async () => {
    const resolver = new TableResolver({});
    const checks = service(resolver, new MemoryRateLimitStore());
    await checks.check({ clientId: 'c1' });
    await checks.check({ clientId: 'c2', resource: 'search', tier: 'pro' });
    expect(resolver.queries).toEqual([
      { resource: 'global', clientId: 'c1' },
      { resource: 'search', tier: 'pro', clientId: 'c2' },
    ]);
  });

  it('allows without limit and without headers when no rule applies', async () => {
    const outcome = await service(new TableResolver({}), new MemoryRateLimitStore()).check({ clientId: 'c' });
    expect(outcome).toEqual({ status: 200, headers: [], body: UNLIMITED });
  });

  it('answers 200 then 429 (a result, not an exception) with Retry-After', async () => {
    const checks = service(new TableResolver({ search }), new MemoryRateLimitStore());
    const first = await checks.check({ clientId: 'c', resource: 'search', cost: 2 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ allowed: true, limit: 2, remaining: 0, retryAfterMs: 0, rule: 'search' });
    const refused = await checks.check({ clientId: 'c', resource: 'search' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ allowed: false, remaining: 0, rule: 'search' });
    const retryAfterMs = refused.body.retryAfterMs!;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(refused.headers).toContainEqual(['Retry-After', String(Math.ceil(retryAfterMs / 1000))]);
  });

  it('answers 503 when the store fails in fail-closed mode, 200 in fail-open mode', async () => {
    const closed = await service(new TableResolver({ search }), new DownStore(), 'closed').check({
      clientId: 'c',
      resource: 'search',
    });
    expect(closed.status).toBe(503);
    expect(closed.body).toMatchObject({ allowed: false, retryAfterMs: 500 });
    const open = await service(new TableResolver({ search }), new DownStore(), 'open').check({
      clientId: 'c',
      resource: 'search',
    });
    expect(open.status).toBe(200);
    expect(open.headers).toContainEqual(['X-RateLimit-Failed-Open', 'true']);
  });

  it("takes a body's ip from an authenticated caller only; an anonymous caller's own address stands in", async () => {
    const gate = new RecordingGate();
    const checks = service(new TableResolver({}), new MemoryRateLimitStore(), 'open', gate);
    await expect(
      checks.check({ clientId: 'c', ip: '203.0.113.1' }, undefined, { address: '10.0.0.1' }),
    ).rejects.toThrow(BadRequestException);
    await checks.check({ clientId: 'c', ip: '203.0.113.1' }, undefined, { name: 'orders' });
    await checks.check({ clientId: 'c' }, undefined, { address: '10.0.0.1' });
    expect(gate.queries).toEqual([
      { resource: 'global', clientId: 'c', apiKey: undefined, ip: '203.0.113.1', caller: 'orders' },
      { resource: 'global', clientId: 'c', apiKey: undefined, ip: '10.0.0.1', caller: undefined },
    ]);
  });

  it('decides for a subject whose address is already believed, under the entry it is given, on the same counters', async () => {
    const gate = new RecordingGate();
    const checks = service(new TableResolver({ search }), new MemoryRateLimitStore(), 'open', gate);
    const decided = await checks.decide(
      { clientId: '203.0.113.9', resource: 'search', ip: '203.0.113.9' },
      { entry: 'auth_request' },
    );
    expect(decided.body).toMatchObject({ allowed: true, remaining: 1, rule: 'search' });
    expect(gate.queries).toEqual([
      { resource: 'search', clientId: '203.0.113.9', apiKey: undefined, ip: '203.0.113.9', caller: undefined },
    ]);
    expect((await checks.check({ clientId: '203.0.113.9', resource: 'search' })).body).toMatchObject({ remaining: 0 });
  });
});
