// `node bench/tracing-off.mjs` (after `npm run build`): what tracing costs a request when it is off
// (no OTEL_* variable set, so the SDK is never loaded). Two hooks stay on the request path: the
// decision's check for a recording parent span (traceDecision) and the trace id lookup made for the
// X-Trace-Id header and the log line (activeTraceId). Each is timed here against the bare call.
import { traceDecision } from '../dist/limiter/tracing/decision-span.js';
import { activeTraceId } from '../dist/telemetry/trace-id.js';

const policy = { name: 'p', algorithm: 'sliding_window', limits: [{ limit: 1, windowMs: 1000 }], shadow: false };
const origin = { entry: 'check' };
const decision = Promise.resolve({ outcome: 'allowed' });
const decide = () => decision;
const N = 2_000_000;

async function nsPerCall(fn) {
  for (let i = 0; i < N / 10; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  return Number(process.hrtime.bigint() - start) / N;
}

function nsPerSyncCall(fn) {
  let sink;
  for (let i = 0; i < N / 10; i++) sink = fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink = fn();
  if (sink === 'never') console.log(sink);
  return Number(process.hrtime.bigint() - start) / N;
}

const rows = [];
for (let round = 1; round <= 3; round++) {
  const bare = await nsPerCall(decide);
  const traced = await nsPerCall(() => traceDecision(policy, origin, decide));
  const lookup = nsPerSyncCall(activeTraceId);
  rows.push({
    round,
    'decide() ns': bare.toFixed(1),
    'traceDecision() extra ns': (traced - bare).toFixed(1),
    'activeTraceId() ns': lookup.toFixed(1),
  });
}
console.table(rows);
console.log('A request looks the trace id up twice (header, log line) and makes one decision.');
