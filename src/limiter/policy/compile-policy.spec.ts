import type { ExecutionContext } from '@nestjs/common';
import type { RateLimitOptions } from '../rate-limit.options.js';
import { compileRateLimit, RateLimitOptionsError } from './compile-policy.js';

const WHERE = '@RateLimit() on UsersController.find';
const context = {} as ExecutionContext;

describe('compileRateLimit', () => {
  it('compiles once per options object into a frozen policy named by the route', () => {
    const options: RateLimitOptions = { limit: 10, windowMs: 1_000 };
    const compiled = compileRateLimit(options, WHERE);
    expect(compileRateLimit(options, WHERE)).toBe(compiled);
    const policy = compiled.policyFor('GET /users');
    expect(policy).toEqual({
      name: 'GET /users',
      algorithm: 'sliding_window',
      limits: [{ limit: 10, windowMs: 1_000 }],
      shadow: false,
    });
    expect(Object.isFrozen(policy) && Object.isFrozen(policy.limits) && Object.isFrozen(policy.limits[0])).toBe(true);
    expect(compiled.policyFor('GET /users')).toBe(policy);
    expect(compiled.key).toBe('ip');
    expect(compiled.cost(context)).toBe(1);
  });

  it('uses the given name for every route', () => {
    const compiled = compileRateLimit({ limits: [{ limit: 5, windowMs: 60_000, burst: 2 }], name: 'search' }, WHERE);
    expect(compiled.policyFor('GET /a')).toBe(compiled.policyFor('GET /b'));
    expect(compiled.policyFor('GET /a').name).toBe('search');
    expect(compiled.policyFor('GET /a').limits).toEqual([{ limit: 5, windowMs: 60_000, burst: 2 }]);
  });

  it('compiles blockDurationMs as a fixed block, with the defaults', () => {
    const policy = compileRateLimit({ limit: 5, windowMs: 60_000, blockDurationMs: 900_000 }, WHERE).policyFor('a');
    expect(policy.penalty).toEqual({
      blockDurationMs: 900_000,
      multiplier: 1,
      decayMs: 9_000_000,
      maxBlockMs: 86_400_000,
    });
    expect(Object.isFrozen(policy.penalty)).toBe(true);
  });

  it('compiles a progressive penalty, filling in what it leaves out', () => {
    const compile = (penalty: RateLimitOptions['penalty']) =>
      compileRateLimit({ limit: 5, windowMs: 60_000, penalty }, WHERE).policyFor('a').penalty;
    expect(compile({ blockDurationMs: 60_000, multiplier: 2, decayMs: 1, maxBlockMs: 60_000 })).toEqual({
      blockDurationMs: 60_000,
      multiplier: 2,
      decayMs: 1,
      maxBlockMs: 60_000,
    });
    // Past a day, the first block is the longest by default; the decay stops at 31 days.
    expect(compile({ blockDurationMs: 5 * 86_400_000, multiplier: 3 })).toEqual({
      blockDurationMs: 432_000_000,
      multiplier: 3,
      decayMs: 2_678_400_000,
      maxBlockMs: 432_000_000,
    });
  });

  it('compiles a concurrency limit', () => {
    const compiled = compileRateLimit({ algorithm: 'concurrency', limit: 3, windowMs: 30_000, cost: 1 }, WHERE);
    expect(compiled.policyFor('a')).toEqual({
      name: 'a',
      algorithm: 'concurrency',
      limits: [{ limit: 3, windowMs: 30_000 }],
      shadow: false,
    });
  });

  it('carries countOnly on the policy, and refuses it where it cannot apply', () => {
    const policy = compileRateLimit({ limit: 5, windowMs: 60_000, countOnly: 'failed' }, WHERE).policyFor('a');
    expect(policy).toMatchObject({ countOnly: 'failed' });
    expect(compileRateLimit({ limit: 5, windowMs: 60_000 }, WHERE).policyFor('a')).not.toHaveProperty('countOnly');
    expect(() => compileRateLimit({ limit: 5, windowMs: 60_000, countOnly: 'errors' as never }, WHERE)).toThrow(
      `${WHERE}: "countOnly" must be one of failed, succeeded, got "errors"`,
    );
    expect(() =>
      compileRateLimit({ algorithm: 'concurrency', limit: 5, windowMs: 60_000, countOnly: 'failed' }, WHERE),
    ).toThrow(`${WHERE}: "countOnly" does not apply to the concurrency algorithm (a slot is held, not counted)`);
  });

  it('checks what a cost function returns at run time', () => {
    const compiled = compileRateLimit({ limit: 5, windowMs: 1_000, cost: () => -2 }, WHERE);
    expect(() => compiled.cost(context)).toThrow(
      `${WHERE}: the cost function returned -2; it must return an integer >= 0`,
    );
    expect(compileRateLimit({ limit: 5, windowMs: 1_000, cost: () => 3 }, WHERE).cost(context)).toBe(3);
  });

  const invalid: [string, unknown, string][] = [
    ['not an object', 5, 'options must be an object, got 5'],
    [
      'an unknown field',
      { limit: 1, windowMs: 1, windowMS: 1 },
      '"windowMS" is not an option (known: limit, windowMs, limits, algorithm, key, cost, name, shadow, blockDurationMs, penalty, countOnly)',
    ],
    ['no limit at all', {}, 'needs "limit" and "windowMs", or "limits"'],
    ['limit without windowMs', { limit: 1 }, '"windowMs" is required with "limit"'],
    ['windowMs without limit', { windowMs: 1 }, '"limit" is required with "windowMs"'],
    [
      'both forms',
      { limit: 1, windowMs: 1, limits: [{ limit: 1, windowMs: 1 }] },
      'give either "limit" and "windowMs" or "limits", not both',
    ],
    ['a negative limit', { limit: -1, windowMs: 1_000 }, '"limit" must be an integer >= 0, got -1'],
    ['a fractional limit', { limit: 1.5, windowMs: 1_000 }, '"limit" must be an integer >= 0, got 1.5'],
    ['a string limit', { limit: '10', windowMs: 1_000 }, '"limit" must be an integer >= 0, got "10"'],
    ['a zero window', { limit: 1, windowMs: 0 }, '"windowMs" must be an integer >= 1, got 0'],
    ['an infinite window', { limit: 1, windowMs: Infinity }, '"windowMs" must be an integer >= 1, got Infinity'],
    ['no limits', { limits: [] }, '"limits" must be an array of 1 to 5 limits, got 0'],
    [
      'too many limits',
      { limits: [1, 2, 3, 4, 5, 6].map((s) => ({ limit: 1, windowMs: s * 1_000 })) },
      '"limits" must be an array of 1 to 5 limits, got 6',
    ],
    [
      'limits not an array',
      { limits: { limit: 1, windowMs: 1 } },
      '"limits" must be an array of 1 to 5 limits, got a object',
    ],
    [
      'a bad burst',
      { limits: [{ limit: 1, windowMs: 1_000, burst: -1 }] },
      '"limits[0].burst" must be an integer >= 0, got -1',
    ],
    [
      'a bad limit in limits',
      {
        limits: [
          { limit: 1, windowMs: 1 },
          { limit: -3, windowMs: 2 },
        ],
      },
      '"limits[1].limit" must be an integer >= 0, got -3',
    ],
    [
      'an unknown limit field',
      { limits: [{ limit: 1, windowMs: 1, max: 3 }] },
      '"limits[0].max" is not a limit field (known: limit, windowMs, burst)',
    ],
    [
      'a duplicate window',
      {
        limits: [
          { limit: 1, windowMs: 1_000 },
          { limit: 5, windowMs: 1_000 },
        ],
      },
      '"limits[1].windowMs" repeats 1000 from limits[0]: each limit needs its own window',
    ],
    [
      'an unknown algorithm',
      { limit: 1, windowMs: 1, algorithm: 'leaky_bucket' },
      '"algorithm" must be one of sliding_window, sliding_log, token_bucket, fixed_window, gcra, concurrency, got "leaky_bucket"',
    ],
    [
      'an unknown key',
      { limit: 1, windowMs: 1, key: 'session' },
      "\"key\" must be 'ip', 'user', 'apiKey' or a function, got \"session\"",
    ],
    ['a negative cost', { limit: 1, windowMs: 1, cost: -1 }, '"cost" must be an integer >= 0 or a function, got -1'],
    [
      'a fractional cost',
      { limit: 1, windowMs: 1, cost: 0.5 },
      '"cost" must be an integer >= 0 or a function, got 0.5',
    ],
    ['a non-string name', { limit: 1, windowMs: 1, name: 42 }, '"name" must be a string, got 42'],
    ['an empty name', { limit: 1, windowMs: 1, name: '' }, '"name" must not be empty'],
    ['a long name', { limit: 1, windowMs: 1, name: 'n'.repeat(201) }, '"name" must be at most 200 characters, got 201'],
    [
      'a control character in the name',
      { limit: 1, windowMs: 1, name: 'a\nb' },
      '"name" must not contain control characters',
    ],
    ['a non-boolean shadow', { limit: 1, windowMs: 1, shadow: 'yes' }, '"shadow" must be a boolean, got "yes"'],
    [
      'a zero blockDurationMs',
      { limit: 1, windowMs: 1, blockDurationMs: 0 },
      '"blockDurationMs" must be an integer from 1 to 2678400000, got 0',
    ],
    [
      'a blockDurationMs over 31 days',
      { limit: 1, windowMs: 1, blockDurationMs: 2_678_400_001 },
      '"blockDurationMs" must be an integer from 1 to 2678400000, got 2678400001',
    ],
    [
      'a string blockDurationMs',
      { limit: 1, windowMs: 1, blockDurationMs: '60000' },
      '"blockDurationMs" must be an integer from 1 to 2678400000, got "60000"',
    ],
    [
      'both penalty forms',
      { limit: 1, windowMs: 1, blockDurationMs: 1_000, penalty: { blockDurationMs: 1_000 } },
      'give either "blockDurationMs" or "penalty", not both',
    ],
    [
      'a penalty that is no object',
      { limit: 1, windowMs: 1, penalty: 60_000 },
      '"penalty" must be an object, got 60000',
    ],
    ['a penalty array', { limit: 1, windowMs: 1, penalty: [] }, '"penalty" must be an object, got an array'],
    [
      'a penalty without its block',
      { limit: 1, windowMs: 1, penalty: { multiplier: 2 } },
      '"penalty.blockDurationMs" must be an integer from 1 to 2678400000, got undefined',
    ],
    [
      'an unknown penalty field',
      { limit: 1, windowMs: 1, penalty: { blockDurationMs: 1_000, factor: 2 } },
      '"penalty.factor" is not a penalty field (known: blockDurationMs, multiplier, decayMs, maxBlockMs)',
    ],
    [
      'a zero multiplier',
      { limit: 1, windowMs: 1, penalty: { blockDurationMs: 1_000, multiplier: 0 } },
      '"penalty.multiplier" must be an integer from 1 to 100, got 0',
    ],
    [
      'a multiplier over 100',
      { limit: 1, windowMs: 1, penalty: { blockDurationMs: 1_000, multiplier: 101 } },
      '"penalty.multiplier" must be an integer from 1 to 100, got 101',
    ],
    [
      'a fractional multiplier',
      { limit: 1, windowMs: 1, penalty: { blockDurationMs: 1_000, multiplier: 1.5 } },
      '"penalty.multiplier" must be an integer from 1 to 100, got 1.5',
    ],
    [
      'a zero decay',
      { limit: 1, windowMs: 1, penalty: { blockDurationMs: 1_000, decayMs: 0 } },
      '"penalty.decayMs" must be an integer from 1 to 2678400000, got 0',
    ],
    [
      'a maximum block shorter than the first',
      { limit: 1, windowMs: 1, penalty: { blockDurationMs: 60_000, maxBlockMs: 1_000 } },
      '"penalty.maxBlockMs" must be at least "penalty.blockDurationMs" (60000), got 1000',
    ],
    [
      'a penalty on a concurrency limit',
      { limit: 1, windowMs: 1, algorithm: 'concurrency', blockDurationMs: 1_000 },
      '"blockDurationMs" does not apply to the concurrency algorithm',
    ],
    [
      'a full penalty on a concurrency limit',
      { limit: 1, windowMs: 1, algorithm: 'concurrency', penalty: { blockDurationMs: 1_000 } },
      '"penalty" does not apply to the concurrency algorithm',
    ],
    [
      'several concurrency limits',
      {
        algorithm: 'concurrency',
        limits: [
          { limit: 1, windowMs: 1_000 },
          { limit: 5, windowMs: 2_000 },
        ],
      },
      '"limits" must hold exactly 1 limit with the concurrency algorithm, got 2',
    ],
    [
      'a concurrency burst',
      { algorithm: 'concurrency', limits: [{ limit: 1, windowMs: 1_000, burst: 2 }] },
      '"limits[0].burst" is not used by the concurrency algorithm',
    ],
    [
      'a sliding log over its bound',
      { algorithm: 'sliding_log', limit: 10_001, windowMs: 1_000 },
      '"limit" must be at most 10000 with the sliding_log algorithm (one entry per unit), got 10001',
    ],
    [
      'a concurrency cost above 1',
      { algorithm: 'concurrency', limit: 3, windowMs: 1_000, cost: 2 },
      '"cost" must be 0 or 1 with the concurrency algorithm (a request holds one slot), got 2',
    ],
  ];

  it.each(invalid)('rejects %s', (_case, options, reason) => {
    const compile = () => compileRateLimit(options as RateLimitOptions, WHERE);
    expect(compile).toThrow(RateLimitOptionsError);
    expect(compile).toThrow(`${WHERE}: ${reason}`);
  });
});
