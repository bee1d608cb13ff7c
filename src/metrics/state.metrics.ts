import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { RateLimitStore } from '../limiter/index.js';
import { type BreakerState, CircuitBreakerStore } from '../limiter/resilience/circuit-breaker.store.js';
import { NodeHeartbeat } from '../nodes/index.js';
import { RulesRefresher } from '../rules/index.js';
import { MetricNames } from './metric-names.js';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half_open', 'open'];

/**
 * The metrics that describe this node's state rather than count events: the breaker state, the
 * rules version and its reloads, the live nodes and the heartbeat's age. `/metrics` calls
 * `refresh()` right before each scrape, so they are read where they live, when they are asked for,
 * and nothing runs between scrapes.
 */
@Injectable()
export class StateMetrics {
  private reportedLoads = 0;
  private reportedFailures = 0;

  constructor(
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    @InjectMetric(MetricNames.breakerState) private readonly breakerState: Gauge,
    @InjectMetric(MetricNames.rulesVersion) private readonly rulesVersion: Gauge,
    @InjectMetric(MetricNames.rulesReloads) private readonly rulesReloads: Counter,
    @InjectMetric(MetricNames.nodesLive) private readonly nodesLive: Gauge,
    @InjectMetric(MetricNames.heartbeatAge) private readonly heartbeatAge: Gauge,
    @Optional() @Inject(RulesRefresher) private readonly rules?: RulesRefresher,
    @Optional() @Inject(NodeHeartbeat) private readonly heartbeat?: NodeHeartbeat,
  ) {}

  refresh(now = Date.now()): void {
    if (this.store instanceof CircuitBreakerStore) {
      const current = this.store.state;
      for (const state of BREAKER_STATES) this.breakerState.labels(state).set(state === current ? 1 : 0);
    }
    if (this.rules !== undefined) {
      if (this.rules.loaded) this.rulesVersion.set(this.rules.version);
      // The refresher keeps running totals; the counter takes what happened since the last scrape.
      this.rulesReloads.labels('success').inc(this.rules.loads - this.reportedLoads);
      this.rulesReloads.labels('failure').inc(this.rules.failures - this.reportedFailures);
      this.reportedLoads = this.rules.loads;
      this.reportedFailures = this.rules.failures;
    }
    if (this.heartbeat !== undefined) {
      const { lastBeatAt, liveNodes } = this.heartbeat;
      if (liveNodes !== undefined) this.nodesLive.set(liveNodes);
      if (lastBeatAt !== undefined) this.heartbeatAge.set(Math.max(0, now - lastBeatAt) / 1000);
    }
  }
}
