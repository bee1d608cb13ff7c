import { type RateLimitDecision, type RateLimitPolicy } from '../limiter/index.js';
import { DEFAULT_HEADER_OPTIONS } from '../limiter/headers/rate-limit-headers.js';
import { rlsResponse } from './rls-response.js';

const policy = (name: string, windowMs: number): RateLimitPolicy => ({
  name,
  algorithm: 'sliding_window',
  limits: [{ limit: 10, windowMs }],
  shadow: false,
});

function decision(rule: string, windowMs: number, overrides: Partial<RateLimitDecision> = {}): RateLimitDecision {
  return {
    allowed: true,
    outcome: 'allowed',
    rule,
    algorithm: 'sliding_window',
    limit: 10,
    remaining: 5,
    resetAt: 0,
    resetMs: 1_500,
    retryAfterMs: 0,
    limits: [{ limit: 10, windowMs, remaining: overrides.remaining ?? 5, resetMs: 1_500 }],
    source: 'store',
    ...overrides,
  };
}

describe('rlsResponse', () => {
  it('gives a status per descriptor, Envoy units where the window is one, UNKNOWN otherwise', () => {
    const response = rlsResponse(
      [
        { policy: policy('per-second', 1_000), decision: decision('per-second', 1_000) },
        undefined,
        { policy: policy('odd', 90_000), decision: decision('odd', 90_000) },
        { policy: policy('daily', 86_400_000), decision: decision('daily', 86_400_000) },
      ],
      DEFAULT_HEADER_OPTIONS,
    );
    expect(response.overall_code).toBe('OK');
    expect(response.statuses).toEqual([
      {
        code: 'OK',
        current_limit: { name: 'per-second', requests_per_unit: 10, unit: 'SECOND' },
        limit_remaining: 5,
        duration_until_reset: { seconds: 1, nanos: 500_000_000 },
      },
      { code: 'OK' },
      expect.objectContaining({ current_limit: { name: 'odd', requests_per_unit: 10, unit: 'UNKNOWN' } }),
      expect.objectContaining({ current_limit: { name: 'daily', requests_per_unit: 10, unit: 'DAY' } }),
    ]);
  });

  it('is OVER_LIMIT when any descriptor is refused, with the headers of the longest refusal', () => {
    const refused = (rule: string, retryAfterMs: number) =>
      decision(rule, 60_000, { allowed: false, outcome: 'limited', remaining: 0, retryAfterMs, resetMs: retryAfterMs });
    const response = rlsResponse(
      [
        { policy: policy('fine', 60_000), decision: decision('fine', 60_000, { remaining: 0 }) },
        { policy: policy('short', 60_000), decision: refused('short', 2_000) },
        { policy: policy('long', 60_000), decision: refused('long', 30_000) },
      ],
      DEFAULT_HEADER_OPTIONS,
    );
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses.map((s) => s.code)).toEqual(['OK', 'OVER_LIMIT', 'OVER_LIMIT']);
    expect(response.response_headers_to_add).toContainEqual({ key: 'ratelimit-policy', value: '"long";q=10;w=60' });
    expect(response.response_headers_to_add).toContainEqual({ key: 'retry-after', value: '30' });
  });

  it('reports the fewest left when nothing is refused, and no headers when no rule took a descriptor', () => {
    const response = rlsResponse(
      [
        { policy: policy('roomy', 60_000), decision: decision('roomy', 60_000, { remaining: 8 }) },
        { policy: policy('tight', 60_000), decision: decision('tight', 60_000, { remaining: 1 }) },
      ],
      DEFAULT_HEADER_OPTIONS,
    );
    expect(response.response_headers_to_add).toContainEqual({ key: 'x-ratelimit-remaining', value: '1' });
    expect(rlsResponse([undefined], DEFAULT_HEADER_OPTIONS)).toEqual({
      overall_code: 'OK',
      statuses: [{ code: 'OK' }],
      response_headers_to_add: [],
      request_headers_to_add: [],
    });
  });
});
