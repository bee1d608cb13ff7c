import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { RateLimiter, type RateLimitDecision, type RateLimitPolicy } from '../limiter/index.js';
import { type DecisionOrigin, type DecisionOutcome } from '../limiter/decision.js';
import { type RateLimiterObserver } from '../limiter/rate-limiter.js';
import { storeErrorClass } from '../limiter/resilience/store-error-class.js';
import { MetricNames } from './metric-names.js';

type CounterChild = ReturnType<Counter['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;

/**
 * Counts every decision of this node's limiter by rule, algorithm and outcome, times it by entry
 * point and source, and counts denial cache hits and store errors by class.
 *
 * This runs per decision: the labelled children are resolved once per policy and outcome (and per
 * entry and source) and kept, so a decision costs two increments, not a label lookup.
 */
@Injectable()
export class DecisionMetrics implements RateLimiterObserver, OnModuleInit {
  /** Policies are immutable and replaced whole on a rules change, so a dropped policy drops its children. */
  private readonly byPolicy = new WeakMap<RateLimitPolicy, Partial<Record<DecisionOutcome, CounterChild>>>();
  private readonly byOrigin = new Map<string, Map<string, HistogramChild>>();

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @InjectMetric(MetricNames.decisions) private readonly decisions: Counter,
    @InjectMetric(MetricNames.decisionDuration) private readonly duration: Histogram,
    @InjectMetric(MetricNames.denialCacheHits) private readonly cacheHits: Counter,
    @InjectMetric(MetricNames.storeErrors) private readonly storeErrors: Counter,
  ) {}

  onModuleInit(): void {
    this.limiter.observe(this);
  }

  decided(policy: RateLimitPolicy, decision: RateLimitDecision, durationMs: number, origin: DecisionOrigin): void {
    if (origin.dryRun) return;
    this.counterOf(policy, decision.outcome).inc();
    this.histogramOf(origin.entry, decision.source).observe(durationMs / 1000);
    if (decision.source === 'cache') this.cacheHits.inc();
  }

  storeFailed(error: unknown): void {
    const errorClass = storeErrorClass(error);
    // An open breaker did not call the store: no store error happened, the breaker gauge shows why.
    if (errorClass !== 'circuit_open') this.storeErrors.labels(errorClass).inc();
  }

  /** A release or a refund after the response failed at the store: a store error like any other. */
  storeOperationFailed(_operation: string, error: unknown): void {
    this.storeFailed(error);
  }

  private counterOf(policy: RateLimitPolicy, outcome: DecisionOutcome): CounterChild {
    let children = this.byPolicy.get(policy);
    if (children === undefined) this.byPolicy.set(policy, (children = {}));
    return (children[outcome] ??= this.decisions.labels(policy.rule ?? policy.name, policy.algorithm, outcome));
  }

  private histogramOf(entry: string, source: string): HistogramChild {
    let bySource = this.byOrigin.get(entry);
    if (bySource === undefined) this.byOrigin.set(entry, (bySource = new Map()));
    let child = bySource.get(source);
    if (child === undefined) bySource.set(source, (child = this.duration.labels(entry, source)));
    return child;
  }
}
