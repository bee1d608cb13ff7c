import type { FactoryProvider } from '@nestjs/common';
import { INSURANCE_MAX_KEYS, RATE_LIMIT_INSURANCE_STORE, RATE_LIMIT_PROVIDERS } from './rate-limit.providers.js';
import type { MemoryRateLimitStore } from './store/memory/memory.store.js';

describe('the fail-open insurance store', () => {
  const factory = RATE_LIMIT_PROVIDERS.find(
    (provider): provider is FactoryProvider => 'provide' in provider && provider.provide === RATE_LIMIT_INSURANCE_STORE,
  )!;

  it('is made only with insurance on', () => {
    expect(factory.useFactory({ insurance: false })).toBeNull();
  });

  it('holds at most INSURANCE_MAX_KEYS keys, however many callers a flood names', async () => {
    const store = factory.useFactory({ insurance: { nodes: 3 } }) as MemoryRateLimitStore;
    try {
      const limits = [{ limit: 10, windowMs: 60_000 }];
      for (let i = 0; i <= INSURANCE_MAX_KEYS; i++) {
        store.consumeNow({ key: `{caller-${i}}`, algorithm: 'fixed_window', limits, cost: 1 });
      }
      expect(store.size).toBe(INSURANCE_MAX_KEYS);
    } finally {
      await store.close();
    }
  });
});
