import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { RateLimitStore } from '../limiter/index.js';

/** One reading of this node's load. */
export interface LoadSample {
  /** The event loop's delay, p99 over the last interval, in ms. */
  readonly eventLoopP99Ms: number;
  /** One round trip to the rate-limit store (Redis PING), in ms; Infinity when it failed. */
  readonly storeLatencyMs: number;
}

/**
 * Reads this node's load: event-loop delay (Node's own histogram, reset at each reading) and the
 * store's latency (one PING). A provider of its own so the shedding logic can be tested with any
 * readings.
 */
@Injectable()
export class LoadSignal implements OnModuleDestroy {
  private histogram: IntervalHistogram | undefined;

  constructor(@Inject(RateLimitStore) private readonly store: RateLimitStore) {}

  async sample(): Promise<LoadSample> {
    if (this.histogram === undefined) {
      this.histogram = monitorEventLoopDelay({ resolution: 10 });
      this.histogram.enable();
    }
    const eventLoopP99Ms = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.histogram.reset();
    const started = performance.now();
    const storeLatencyMs = await this.store.ping().then(
      () => performance.now() - started,
      () => Infinity,
    );
    return { eventLoopP99Ms, storeLatencyMs };
  }

  onModuleDestroy(): void {
    this.histogram?.disable();
  }
}
