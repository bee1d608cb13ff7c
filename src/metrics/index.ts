/** Prometheus metrics at `/metrics`: decisions, store, rules, nodes, HTTP, process. */
export { DecisionMetrics } from './decision.metrics.js';
export { HttpMetrics, UNMATCHED_ROUTE } from './http.metrics.js';
export { DECISION_BUCKETS, HTTP_BUCKETS, MetricNames } from './metric-names.js';
export { MetricsController } from './metrics.controller.js';
export { MetricsModule, type MetricsModuleOptions } from './metrics.module.js';
export { StateMetrics } from './state.metrics.js';
