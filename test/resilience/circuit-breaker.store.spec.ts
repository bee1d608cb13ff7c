import { randomUUID } from 'node:crypto';
import { CircuitBreakerStore, type BreakerState } from '../../src/limiter/resilience/circuit-breaker.store.js';
import { MemoryRateLimitStore } from '../../src/limiter/store/memory/memory.store.js';
import type {
  ConsumeRequest,
  ConsumeResult,
  RateLimitStore,
  RefundRequest,
  ReleaseRequest,
  StoreTarget,
} from '../../src/limiter/store/rate-limit.store.js';
import { baseKey } from '../../src/limiter/store/store-key.js';

/** A real memory store that can be switched to failing, counting the calls that reach it. */
class SwitchableStore implements RateLimitStore {
  failing = false;
  calls = 0;
  private readonly memory = new MemoryRateLimitStore({ sweepIntervalMs: 0 });

  async consume(request: ConsumeRequest): Promise<ConsumeResult> {
    this.calls++;
    if (this.failing) throw new Error('store down');
    return this.memory.consume(request);
  }
  async release(request: ReleaseRequest): Promise<boolean> {
    this.calls++;
    if (this.failing) throw new Error('store down');
    return this.memory.release(request);
  }
  async refund(request: RefundRequest): Promise<void> {
    this.calls++;
    if (this.failing) throw new Error('store down');
    return this.memory.refund(request);
  }
  async reset(request: StoreTarget): Promise<void> {
    this.calls++;
    if (this.failing) throw new Error('store down');
    return this.memory.reset(request);
  }
  async ping(): Promise<void> {
    if (this.failing) throw new Error('store down');
  }
  close(): Promise<void> {
    return this.memory.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const request = (): ConsumeRequest => ({
  key: baseKey('fgtest', 'breaker', randomUUID()),
  algorithm: 'fixed_window',
  limits: [{ limit: 10, windowMs: 60_000 }],
  cost: 1,
});

describe('CircuitBreakerStore', () => {
  let inner: SwitchableStore;
  let store: CircuitBreakerStore;
  let transitions: BreakerState[];

  beforeEach(() => {
    inner = new SwitchableStore();
    store = new CircuitBreakerStore(inner, { consecutiveFailures: 3, halfOpenAfterMs: 100 });
    transitions = [];
    store.onStateChange((state) => transitions.push(state));
  });
  afterEach(() => store.close());

  it('passes answers through while closed', async () => {
    const r = await store.consume(request());
    expect(r.allowed).toBe(true);
    expect(store.state).toBe('closed');
  });

  it('opens after consecutive failures and then rejects without calling the store', async () => {
    inner.failing = true;
    for (let i = 0; i < 3; i++) await expect(store.consume(request())).rejects.toThrow('store down');
    expect(store.state).toBe('open');
    expect(transitions).toEqual(['open']);
    await expect(store.consume(request())).rejects.toThrow(/circuit breaker is open/);
    expect(inner.calls).toBe(3);
  });

  it('a success resets the failure count', async () => {
    inner.failing = true;
    await expect(store.consume(request())).rejects.toThrow();
    await expect(store.consume(request())).rejects.toThrow();
    inner.failing = false;
    await store.consume(request());
    inner.failing = true;
    await expect(store.consume(request())).rejects.toThrow();
    await expect(store.consume(request())).rejects.toThrow();
    expect(store.state).toBe('closed');
  });

  it('lets one probe through after halfOpenAfterMs and closes when it succeeds', async () => {
    inner.failing = true;
    for (let i = 0; i < 3; i++) await expect(store.consume(request())).rejects.toThrow();
    inner.failing = false;
    await expect(store.consume(request())).rejects.toThrow(/circuit breaker is open/);
    await sleep(150);
    expect((await store.consume(request())).allowed).toBe(true);
    expect(store.state).toBe('closed');
    expect(transitions).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens when the probe fails', async () => {
    inner.failing = true;
    for (let i = 0; i < 3; i++) await expect(store.consume(request())).rejects.toThrow();
    await sleep(150);
    await expect(store.consume(request())).rejects.toThrow('store down');
    expect(store.state).toBe('open');
    expect(inner.calls).toBe(4);
    expect(transitions).toEqual(['open', 'half_open', 'open']);
  });

  it('passes release, refund and reset through, and fails them fast while open', async () => {
    const slots = { ...request(), algorithm: 'concurrency' as const };
    const held = await store.consume(slots);
    expect(await store.release({ ...slots, leaseId: held.leaseId! })).toBe(true);
    const taken = await store.consume(request());
    await expect(store.refund({ ...request(), cost: 1, consumedAtMs: taken.nowMs })).resolves.toBeUndefined();
    await expect(store.reset(request())).resolves.toBeUndefined();
    inner.failing = true;
    for (let i = 0; i < 3; i++) await expect(store.reset(request())).rejects.toThrow('store down');
    const calls = inner.calls;
    await expect(store.release({ ...slots, leaseId: 'x' })).rejects.toThrow(/circuit breaker is open/);
    await expect(store.refund({ ...request(), cost: 1, consumedAtMs: 0 })).rejects.toThrow(/circuit breaker is open/);
    expect(inner.calls).toBe(calls);
  });

  it('pings the inner store directly, even while open', async () => {
    inner.failing = true;
    for (let i = 0; i < 3; i++) await expect(store.consume(request())).rejects.toThrow();
    inner.failing = false;
    await expect(store.ping()).resolves.toBeUndefined();
    inner.failing = true;
    await expect(store.ping()).rejects.toThrow('store down');
  });

  it('stops notifying a listener once unsubscribed', async () => {
    const seen: BreakerState[] = [];
    const unsubscribe = store.onStateChange((state) => seen.push(state));
    unsubscribe();
    inner.failing = true;
    for (let i = 0; i < 3; i++) await expect(store.consume(request())).rejects.toThrow();
    expect(seen).toEqual([]);
    expect(transitions).toEqual(['open']);
  });
});
