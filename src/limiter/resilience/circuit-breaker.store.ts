import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import type {
  ConsumeRequest,
  ConsumeResult,
  RateLimitStore,
  RefundRequest,
  ReleaseRequest,
  StoreTarget,
} from '../store/rate-limit.store.js';

/** The breaker's state, as metrics and health report it. */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Failures in a row (errors and timeouts) that open the circuit. Default 5. */
  consecutiveFailures?: number;
  /** How long the circuit stays open before one probe is let through. Default 500 ms. */
  halfOpenAfterMs?: number;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
};

/**
 * Wraps a store in a circuit breaker (cockatiel's, with a consecutive-failure threshold), so that a
 * dead store costs nothing per request: while open, `consume` rejects at once without calling the
 * inner store, and the limiter falls back to its fail mode. After `halfOpenAfterMs` one probe goes
 * through (concurrent calls wait for it); its success closes the circuit, its failure re-opens it.
 *
 * Timeouts are not handled here: the inner store's own per-call timeout (ioredis `commandTimeout`)
 * turns a hung call into a rejection, which counts as a failure like any other.
 *
 * @example
 * const store = new CircuitBreakerStore(new RedisRateLimitStore(client), { consecutiveFailures: 5 });
 * store.onStateChange((state) => metrics.breakerState.set(state === 'open' ? 1 : 0));
 */
export class CircuitBreakerStore implements RateLimitStore {
  private readonly breaker: CircuitBreakerPolicy;

  constructor(
    private readonly inner: RateLimitStore,
    options: CircuitBreakerOptions = {},
  ) {
    this.breaker = circuitBreaker(handleAll, {
      breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5),
      halfOpenAfter: options.halfOpenAfterMs ?? 500,
    });
  }

  /** `open` until a call arrives after `halfOpenAfterMs`: the probe is made on demand, not by a timer. */
  get state(): BreakerState {
    return STATES[this.breaker.state];
  }

  /** Calls `listener` on every transition; returns a function that unsubscribes it. */
  onStateChange(listener: (state: BreakerState) => void): () => void {
    const subscription = this.breaker.onStateChange((state) => listener(STATES[state]));
    return () => subscription.dispose();
  }

  consume(request: ConsumeRequest): Promise<ConsumeResult> {
    return this.breaker.execute(() => this.inner.consume(request));
  }

  /** Through the breaker too: while it is open a lease is left to expire rather than waited for. */
  release(request: ReleaseRequest): Promise<boolean> {
    return this.breaker.execute(() => this.inner.release(request));
  }

  refund(request: RefundRequest): Promise<void> {
    return this.breaker.execute(() => this.inner.refund(request));
  }

  reset(request: StoreTarget): Promise<void> {
    return this.breaker.execute(() => this.inner.reset(request));
  }

  /** Straight to the inner store: health must see the real store, not the breaker's memory of it. */
  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
