import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import { RateLimitStore } from '../limiter/index.js';
import { type BreakerState, CircuitBreakerStore } from '../limiter/resilience/circuit-breaker.store.js';
import { NodeHeartbeat } from '../nodes/index.js';
import { RulesRefresher } from '../rules/index.js';
import { LOAD_STATES, SystemStateHolder } from '../system/index.js';
import { MetricNames } from './metric-names.js';

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half_open', 'open'];

/**
 * The metrics that describe this node's state rather than count events: the breaker state, the
 * rules version and its reloads, the load state and its switches, the live nodes and the
 * heartbeat's age. `/metrics` calls
 * `refresh()` right before each scrape, so they are read where they live, when they are asked for,
 * and nothing runs between scrapes.
 */
@Injectable()
export class StateMetrics {
  private reportedLoads = 0;
  private reportedFailures = 0;
  private readonly reportedSwitches = new Map<string, number>();
  private readonly reportedSnapshotReads = new Map<string, number>();

  constructor(
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    @InjectMetric(MetricNames.breakerState) private readonly breakerState: Gauge,
    @InjectMetric(MetricNames.rulesVersion) private readonly rulesVersion: Gauge,
    @InjectMetric(MetricNames.rulesReloads) private readonly rulesReloads: Counter,
    @InjectMetric(MetricNames.rulesSnapshotReads) private readonly rulesSnapshotReads: Counter,
    @InjectMetric(MetricNames.rulesInvalid) private readonly rulesInvalid: Gauge,
    @InjectMetric(MetricNames.nodesLive) private readonly nodesLive: Gauge,
    @InjectMetric(MetricNames.heartbeatAge) private readonly heartbeatAge: Gauge,
    @InjectMetric(MetricNames.systemState) private readonly systemState: Gauge,
    @InjectMetric(MetricNames.systemStateSwitches) private readonly systemStateSwitches: Counter,
    @Optional() @Inject(RulesRefresher) private readonly rules?: RulesRefresher,
    @Optional() @Inject(NodeHeartbeat) private readonly heartbeat?: NodeHeartbeat,
    @Optional() @Inject(SystemStateHolder) private readonly system?: SystemStateHolder,
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
      // `rules` always, other sections while they have rows left out.
      const invalid = new Map<string, number>([['rules', 0]]);
      for (const { section } of this.rules.invalid) invalid.set(section, (invalid.get(section) ?? 0) + 1);
      this.rulesInvalid.reset();
      for (const [section, count] of invalid) this.rulesInvalid.labels(section).set(count);
      for (const [result, count] of this.rules.snapshotReads) {
        this.rulesSnapshotReads.labels(result).inc(count - (this.reportedSnapshotReads.get(result) ?? 0));
        this.reportedSnapshotReads.set(result, count);
      }
    }
    if (this.system !== undefined) {
      const current = this.system.state;
      for (const state of LOAD_STATES) this.systemState.labels(state).set(state === current ? 1 : 0);
      for (const [key, count] of this.system.switches) {
        const [to, by] = key.split(':') as [string, string];
        this.systemStateSwitches.labels(to, by).inc(count - (this.reportedSwitches.get(key) ?? 0));
        this.reportedSwitches.set(key, count);
      }
    }
    if (this.heartbeat !== undefined) {
      const { lastBeatAt, liveNodes } = this.heartbeat;
      if (liveNodes !== undefined) this.nodesLive.set(liveNodes);
      if (lastBeatAt !== undefined) this.heartbeatAge.set(Math.max(0, now - lastBeatAt) / 1000);
    }
  }
}
