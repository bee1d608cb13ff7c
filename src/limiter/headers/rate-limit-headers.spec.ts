import type { RateLimitDecision } from '../decision.js';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';
import { bucketOf, DEFAULT_HEADER_OPTIONS, quotaOf, rateLimitHeaders, sfString } from './rate-limit-headers.js';

const policy: RateLimitPolicy = {
  name: 'api',
  algorithm: 'sliding_window',
  limits: [
    { limit: 10, windowMs: 1_000 },
    { limit: 100, windowMs: 60_000 },
  ],
  shadow: false,
};

const allowed: RateLimitDecision = {
  allowed: true,
  outcome: 'allowed',
  rule: 'api',
  algorithm: 'sliding_window',
  limit: 10,
  remaining: 4,
  resetAt: 0,
  resetMs: 801,
  retryAfterMs: 0,
  limits: [
    { limit: 10, windowMs: 1_000, remaining: 4, resetMs: 801 },
    { limit: 100, windowMs: 60_000, remaining: 94, resetMs: 59_000 },
  ],
  source: 'store',
};

describe('rateLimitHeaders', () => {
  it('describes an allowed request: the tightest limit, every limit in RateLimit-Policy', () => {
    expect(rateLimitHeaders(allowed, DEFAULT_HEADER_OPTIONS, policy)).toEqual([
      ['X-RateLimit-Limit', '10'],
      ['X-RateLimit-Remaining', '4'],
      ['X-RateLimit-Reset', '1'],
      ['RateLimit-Policy', '"api/1s";q=10;w=1, "api/60s";q=100;w=60'],
      ['RateLimit', '"api/1s";r=4;t=1'],
    ]);
  });

  it('names each of several limits after its window, and reports the tightest by its name', () => {
    // The hour's limit is the one nearly used up.
    const tight: RateLimitDecision = {
      ...allowed,
      limit: 100,
      remaining: 2,
      resetMs: 59_000,
      limits: [
        { limit: 10, windowMs: 1_000, remaining: 9, resetMs: 801 },
        { limit: 100, windowMs: 60_000, remaining: 2, resetMs: 59_000 },
      ],
    };
    const headers = new Map(rateLimitHeaders(tight, DEFAULT_HEADER_OPTIONS, policy));
    expect(headers.get('RateLimit-Policy')).toBe('"api/1s";q=10;w=1, "api/60s";q=100;w=60');
    expect(headers.get('RateLimit')).toBe('"api/60s";r=2;t=59');
    // One limit: the policy's own name, as before.
    const single = { ...policy, limits: [policy.limits[0]!] };
    expect(
      new Map(rateLimitHeaders({ ...allowed, limits: [allowed.limits[0]!] }, DEFAULT_HEADER_OPTIONS, single)).get(
        'RateLimit',
      ),
    ).toBe('"api";r=4;t=1');
  });

  it('adds Retry-After on refusal, and uses its value for t and X-RateLimit-Reset', () => {
    const limited: RateLimitDecision = {
      ...allowed,
      allowed: false,
      outcome: 'limited',
      remaining: 0,
      retryAfterMs: 2_001,
      resetMs: 2_001,
    };
    expect(rateLimitHeaders(limited, DEFAULT_HEADER_OPTIONS, policy)).toEqual([
      ['X-RateLimit-Limit', '10'],
      ['X-RateLimit-Remaining', '0'],
      ['X-RateLimit-Reset', '3'],
      ['RateLimit-Policy', '"api/1s";q=10;w=1, "api/60s";q=100;w=60'],
      ['RateLimit', '"api/1s";r=0;t=3'],
      ['Retry-After', '3'],
    ]);
  });

  it('never tells a refused client to retry in 0 seconds', () => {
    const limited: RateLimitDecision = {
      ...allowed,
      allowed: false,
      outcome: 'limited',
      remaining: 0,
      retryAfterMs: 0.2,
      resetMs: 0.2,
    };
    expect(rateLimitHeaders(limited, DEFAULT_HEADER_OPTIONS, policy)).toContainEqual(['Retry-After', '1']);
  });

  it('marks a failed-open decision and lists the policy even without limit states', () => {
    const failedOpen: RateLimitDecision = {
      ...allowed,
      outcome: 'failed_open',
      remaining: 10,
      resetAt: Date.now(),
      resetMs: 0,
      limits: [],
      source: 'none',
    };
    expect(rateLimitHeaders(failedOpen, DEFAULT_HEADER_OPTIONS, policy)).toEqual([
      ['X-RateLimit-Limit', '10'],
      ['X-RateLimit-Remaining', '10'],
      ['X-RateLimit-Reset', '0'],
      ['RateLimit-Policy', '"api/1s";q=10;w=1, "api/60s";q=100;w=60'],
      ['RateLimit', '"api/1s";r=10;t=0'],
      ['X-RateLimit-Failed-Open', 'true'],
    ]);
  });

  it('sends Retry-After with a fail-closed refusal', () => {
    const closed: RateLimitDecision = {
      ...allowed,
      allowed: false,
      outcome: 'failed_closed',
      remaining: 0,
      retryAfterMs: 500,
      resetMs: 500,
      limits: [],
    };
    expect(rateLimitHeaders(closed, DEFAULT_HEADER_OPTIONS, policy)).toContainEqual(['Retry-After', '1']);
  });

  it('emits only the configured sets', () => {
    expect(rateLimitHeaders(allowed, { legacy: false, ietf: 'draft-10' }, policy).map(([n]) => n)).toEqual([
      'RateLimit-Policy',
      'RateLimit',
    ]);
    expect(rateLimitHeaders(allowed, { legacy: true, ietf: false }, policy).map(([n]) => n)).toEqual([
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ]);
  });

  it('builds RateLimit-Policy from the decision when no policy is given, rounding windows up to seconds', () => {
    const decision: RateLimitDecision = {
      ...allowed,
      limits: [{ limit: 10, windowMs: 1_500, remaining: 4, resetMs: 1_500 }],
    };
    expect(rateLimitHeaders(decision, DEFAULT_HEADER_OPTIONS)).toContainEqual(['RateLimit-Policy', '"api";q=10;w=2']);
  });

  describe('concurrency', () => {
    const slots: RateLimitPolicy = {
      name: 'uploads',
      algorithm: 'concurrency',
      limits: [{ limit: 3, windowMs: 30_000 }],
      shadow: false,
    };
    const held: RateLimitDecision = {
      ...allowed,
      rule: 'uploads',
      algorithm: 'concurrency',
      limit: 3,
      remaining: 1,
      resetMs: 30_000,
      limits: [{ limit: 3, windowMs: 30_000, remaining: 1, resetMs: 30_000 }],
      leaseId: 'lease-1',
    };

    it('names the quota unit, has no window, and frees slots at no set time (t=0)', () => {
      expect(rateLimitHeaders(held, DEFAULT_HEADER_OPTIONS, slots)).toEqual([
        ['X-RateLimit-Limit', '3'],
        ['X-RateLimit-Remaining', '1'],
        ['X-RateLimit-Reset', '0'],
        ['RateLimit-Policy', '"uploads";q=3;qu="concurrent-requests"'],
        ['RateLimit', '"uploads";r=1;t=0'],
      ]);
      // The same from the decision alone.
      expect(rateLimitHeaders(held, DEFAULT_HEADER_OPTIONS)).toContainEqual([
        'RateLimit-Policy',
        '"uploads";q=3;qu="concurrent-requests"',
      ]);
    });

    it('on a refusal, tells when to retry like any other refusal', () => {
      const full: RateLimitDecision = {
        ...held,
        allowed: false,
        outcome: 'limited',
        remaining: 0,
        retryAfterMs: 1_000,
        resetMs: 1_000,
      };
      expect(rateLimitHeaders(full, DEFAULT_HEADER_OPTIONS, slots)).toEqual([
        ['X-RateLimit-Limit', '3'],
        ['X-RateLimit-Remaining', '0'],
        ['X-RateLimit-Reset', '1'],
        ['RateLimit-Policy', '"uploads";q=3;qu="concurrent-requests"'],
        ['RateLimit', '"uploads";r=0;t=1'],
        ['Retry-After', '1'],
      ]);
    });
  });

  it('tells a caller blocked by a penalty that nothing remains until the block ends', () => {
    // As the limiter reports it: remaining 0 and the block's end, whatever the counters say.
    const blocked: RateLimitDecision = {
      ...allowed,
      allowed: false,
      outcome: 'limited',
      remaining: 0,
      retryAfterMs: 900_000,
      resetMs: 900_000,
      blockedUntil: 900_000,
    };
    expect(rateLimitHeaders(blocked, DEFAULT_HEADER_OPTIONS, policy)).toEqual([
      ['X-RateLimit-Limit', '10'],
      ['X-RateLimit-Remaining', '0'],
      ['X-RateLimit-Reset', '900'],
      ['RateLimit-Policy', '"api/1s";q=10;w=1, "api/60s";q=100;w=60'],
      ['RateLimit', '"api/1s";r=0;t=900'],
      ['Retry-After', '900'],
    ]);
  });

  it('quotes names as RFC 8941 sf-strings', () => {
    expect(sfString('GET /users/:id')).toBe('"GET /users/:id"');
    expect(sfString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
    expect(sfString('café')).toBe('"caf?"');
  });
});

describe('a bucket with a burst', () => {
  // The sample free tier: 10 per minute, bursting to 20.
  const bucket: RateLimitPolicy = {
    name: 'tier-free',
    algorithm: 'token_bucket',
    limits: [{ limit: 10, windowMs: 60_000, burst: 20 }],
    shadow: false,
  };
  const fresh: RateLimitDecision = {
    ...allowed,
    rule: 'tier-free',
    algorithm: 'token_bucket',
    limit: 10,
    remaining: 19,
    resetMs: 6_000,
    limits: [{ limit: 10, windowMs: 60_000, remaining: 19, resetMs: 6_000 }],
  };

  it('advertises its capacity as the quota, over the time it takes to refill: remaining never exceeds it', () => {
    const headers = new Map(rateLimitHeaders(fresh, DEFAULT_HEADER_OPTIONS, bucket));
    expect(headers.get('X-RateLimit-Limit')).toBe('20');
    expect(headers.get('X-RateLimit-Remaining')).toBe('19');
    // 20 units refilled at 10 per 60 s: 120 s, so q/w is still the rate.
    expect(headers.get('RateLimit-Policy')).toBe('"tier-free";q=20;w=120');
    expect(headers.get('RateLimit')).toBe('"tier-free";r=19;t=6');
    expect(quotaOf(fresh, bucket)).toBe(20);
    expect(bucketOf(fresh, bucket)).toEqual({
      quota: 20,
      refill: { limit: 10, windowMs: 60_000 },
      refillWindowMs: 120_000,
    });
  });

  it('is the rule as it is without a burst, with a burst equal to the limit, or for another algorithm', () => {
    const cases: RateLimitPolicy[] = [
      { ...bucket, limits: [{ limit: 10, windowMs: 60_000 }] },
      { ...bucket, limits: [{ limit: 10, windowMs: 60_000, burst: 10 }] },
      { ...bucket, algorithm: 'sliding_window' },
    ];
    for (const policy of cases) {
      const decision = { ...fresh, algorithm: policy.algorithm, remaining: 9 };
      const headers = new Map(rateLimitHeaders(decision, DEFAULT_HEADER_OPTIONS, policy));
      expect([headers.get('X-RateLimit-Limit'), headers.get('RateLimit-Policy')]).toEqual([
        '10',
        '"tier-free";q=10;w=60',
      ]);
      expect(bucketOf(decision, policy)).toBeUndefined();
    }
  });

  it('names the burst of the tightest of several limits, each item with its own refill time', () => {
    const two: RateLimitPolicy = {
      ...bucket,
      algorithm: 'gcra',
      limits: [
        { limit: 10, windowMs: 1_000, burst: 30 },
        { limit: 100, windowMs: 60_000 },
      ],
    };
    const decision: RateLimitDecision = {
      ...fresh,
      algorithm: 'gcra',
      limit: 10,
      remaining: 25,
      limits: [
        { limit: 10, windowMs: 1_000, remaining: 25, resetMs: 500 },
        { limit: 100, windowMs: 60_000, remaining: 95, resetMs: 3_000 },
      ],
    };
    const headers = new Map(rateLimitHeaders(decision, DEFAULT_HEADER_OPTIONS, two));
    expect(headers.get('X-RateLimit-Limit')).toBe('30');
    expect(headers.get('RateLimit-Policy')).toBe('"tier-free/1s";q=30;w=3, "tier-free/60s";q=100;w=60');
  });
});
