import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { DecisionMetrics } from './decision.metrics.js';
import { HttpMetrics } from './http.metrics.js';
import { MetricsController } from './metrics.controller.js';
import { METRIC_PROVIDERS } from './metrics.providers.js';
import { StateMetrics } from './state.metrics.js';

/**
 * Gauges that prom-client names `_total`, which Prometheus reserves for counters (`promtool check
 * metrics` flags them). Each repeats the sum of a gauge kept next to it (`nodejs_active_handles`
 * by type, and so on), so dropping them loses nothing.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** prom-client's process and Node.js metrics, without its misnamed gauges. */
function registerDefaultMetrics(): void {
  collectDefaultMetrics();
  for (const name of MISNAMED_DEFAULT_GAUGES) register.removeSingleMetric(name);
}

export interface MetricsModuleOptions {
  /** The app's rules and nodes modules (the same objects it imports), for the state gauges. */
  readonly imports?: ModuleMetadata['imports'];
}

/**
 * Prometheus metrics at `GET /metrics`, with `@willsoto/nestjs-prometheus` on prom-client's default
 * registry: decisions, store health, rules and nodes, HTTP requests, and the default process
 * metrics. The limiter module (global) must be in the app.
 *
 * The metrics are willsoto providers and the controller extends willsoto's, declared here rather
 * than through `PrometheusModule.register()`: that mounts the controller inside willsoto's own
 * module, where it could not inject `StateMetrics`, which reads the node's state at scrape time.
 * For the same reason the default process metrics are registered here, once per process
 * (prom-client's registry is one per process, shared by every app in it, as tests build several).
 *
 * @example
 * MetricsModule.forRoot({ imports: [rulesModule, nodesModule] })
 */
@Module({})
export class MetricsModule {
  static forRoot({ imports = [] }: MetricsModuleOptions = {}): DynamicModule {
    if (register.getSingleMetric('process_cpu_user_seconds_total') === undefined) registerDefaultMetrics();
    return {
      module: MetricsModule,
      imports,
      controllers: [MetricsController],
      providers: [...METRIC_PROVIDERS, DecisionMetrics, StateMetrics, HttpMetrics],
    };
  }
}
