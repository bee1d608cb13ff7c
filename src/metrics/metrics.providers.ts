import type { Provider } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { DECISION_BUCKETS, HTTP_BUCKETS, MetricNames } from './metric-names.js';

/** One metric of `/metrics`: what dashboards and alerts may rely on. */
export interface MetricDefinition {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets?: readonly number[];
}

/** Every metric of `/metrics` but prom-client's default process metrics. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  {
    type: 'counter',
    name: MetricNames.decisions,
    help: 'Rate-limit decisions by rule, algorithm and outcome (allowed, limited, shadow_limited, failed_open, failed_closed).',
    labelNames: ['rule', 'algorithm', 'outcome'],
  },
  {
    type: 'histogram',
    name: MetricNames.decisionDuration,
    help: 'Time to decide, by entry point (guard, check, auth_request, envoy) and source (store, cache, insurance, none).',
    labelNames: ['entry', 'source'],
    buckets: DECISION_BUCKETS,
  },
  {
    type: 'counter',
    name: MetricNames.denialCacheHits,
    help: 'Refusals answered from node memory (the caller was known to be over its limit), without a store call.',
    labelNames: [],
  },
  {
    type: 'counter',
    name: MetricNames.storeErrors,
    help: 'Failed rate-limit store calls by class (timeout, connection, script, other).',
    labelNames: ['class'],
  },
  {
    type: 'gauge',
    name: MetricNames.breakerState,
    help: "1 for the store circuit breaker's current state (closed, half_open, open), 0 for the others.",
    labelNames: ['state'],
  },
  { type: 'gauge', name: MetricNames.rulesVersion, help: 'The rules version this node enforces.', labelNames: [] },
  {
    type: 'counter',
    name: MetricNames.rulesReloads,
    help: 'Rules snapshot loads by result: success, or failure (a failed load or version check; the last good snapshot stays).',
    labelNames: ['result'],
  },
  {
    type: 'gauge',
    name: MetricNames.rulesInvalid,
    help: 'Stored rows the rules snapshot in force leaves out because they cannot be enforced, by section (rules, blocks, allowlist); /health names each.',
    labelNames: ['section'],
  },
  {
    type: 'counter',
    name: MetricNames.rulesSnapshotReads,
    help: 'Reads of the rules snapshot stored in Redis when catching up with an announced version, by result: applied, stale (none, older than announced, or read from another database) or failed (unreadable, or Redis down); on stale and failed the node loads from Postgres.',
    labelNames: ['result'],
  },
  {
    type: 'gauge',
    name: MetricNames.nodesLive,
    help: "Floodgate nodes alive at this node's last heartbeat.",
    labelNames: [],
  },
  {
    type: 'gauge',
    name: MetricNames.heartbeatAge,
    help: "Seconds since this node's last successful heartbeat.",
    labelNames: [],
  },
  {
    type: 'gauge',
    name: MetricNames.systemState,
    help: "1 for the fleet's load state this node enforces (NORMAL, DEGRADED), 0 for the other.",
    labelNames: ['state'],
  },
  {
    type: 'counter',
    name: MetricNames.systemStateSwitches,
    help: 'Load state switches this node has seen, by target state (to) and by who made them (by: admin, auto).',
    labelNames: ['to', 'by'],
  },
  {
    type: 'histogram',
    name: MetricNames.httpDuration,
    help: 'HTTP requests by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
  },
];

const MAKE = { counter: makeCounterProvider, gauge: makeGaugeProvider, histogram: makeHistogramProvider };

/** The definitions as willsoto providers, injectable with `@InjectMetric(name)`. */
export const METRIC_PROVIDERS: Provider[] = METRIC_DEFINITIONS.map(({ type, name, help, labelNames, buckets }) =>
  MAKE[type]({ name, help, labelNames: [...labelNames], ...(buckets !== undefined ? { buckets: [...buckets] } : {}) }),
);
