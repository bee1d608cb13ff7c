/**
 * Tracing: whether the OTEL_* variables ask for it, the SDK that `main` starts before the service,
 * and `untraced()` for background work. Metrics live in `src/metrics`.
 */
export { tracingEnabled } from './tracing-enabled.js';
export { untraced } from './untraced.js';
export { activeTraceId, echoTraceId, TRACE_ID_HEADER } from './trace-id.js';
