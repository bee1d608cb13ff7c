import { adminFailurePolicy } from './admin-auth-failures.js';

describe('adminFailurePolicy', () => {
  it('counts 10 failures per minute in a sliding window by default', () => {
    expect(adminFailurePolicy({ token: 't' })).toEqual({
      name: 'admin-auth-failures',
      algorithm: 'sliding_window',
      limits: [{ limit: 10, windowMs: 60_000 }],
      shadow: false,
    });
  });

  it('takes the limit from the options', () => {
    expect(adminFailurePolicy({ token: 't', maxFailures: 3, windowMs: 5_000 }).limits).toEqual([
      { limit: 3, windowMs: 5_000 },
    ]);
  });

  it.each([
    [{ maxFailures: 0 }, 'AdminModule: "maxFailures" must be an integer >= 1, got 0'],
    [{ maxFailures: 2.5 }, 'AdminModule: "maxFailures" must be an integer >= 1, got 2.5'],
    [{ windowMs: 0 }, 'AdminModule: "windowMs" must be an integer >= 1, got 0'],
    [{ windowMs: Number.NaN }, 'AdminModule: "windowMs" must be an integer >= 1, got NaN'],
  ])('rejects %j', (options, message) => {
    expect(() => adminFailurePolicy({ token: 't', ...options })).toThrow(message);
  });
});
