// Closed-loop load with autocannon, where wrk is not installed (or `--load autocannon`):
// `node bench/throughput/autocannon.mjs '<json spec>'`, one JSON line of results on stdout, in
// load.mjs's closedLoop() shape. Spec: { url, method, body, keys, keyHeader, seconds, connections }.
import autocannon from 'autocannon';

const { url, method, body, keys, keyHeader, seconds, connections } = JSON.parse(process.argv[2]);
let n = 0;
// With many keys each request carries the next client key (c1..c<keys>, then over again).
const withKey = (request) => ({ ...request, headers: { ...request.headers, [keyHeader]: `c${(n++ % keys) + 1}` } });

const result = await autocannon({
  url,
  method,
  body,
  headers: body === undefined ? {} : { 'content-type': 'application/json' },
  requests: keys > 0 ? [{ setupRequest: withKey }] : undefined,
  connections,
  duration: seconds,
});
console.log(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }),
);
