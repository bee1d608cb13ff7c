import type { PolicyQuery, PolicyResolver, RateLimitPolicy, RateLimitStore } from '../limiter/index.js';
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

function service(resolver: PolicyResolver, store: RateLimitStore, failMode: 'open' | 'closed' = 'open'): CheckService {
  const limiter = new RateLimiter(store, { keyPrefix: 'spec', failMode, failClosedRetryAfterMs: 500 });
  return new CheckService(resolver, limiter, {});
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
});
