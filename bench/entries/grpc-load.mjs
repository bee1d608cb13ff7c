// gRPC load on Envoy's ShouldRateLimit: `node bench/entries/grpc-load.mjs '<json spec>'`, one JSON
// line of results on stdout. Spec: { port, request (a RateLimitRequest), mode: 'closed' | 'open',
// seconds, connections (calls in flight at most), rate (open: calls/s), requests? (closed: stop
// after this many calls instead) }.
//
// gRPC spoken over one HTTP/2 session with node:http2 (what Envoy does: one connection, many
// streams), the request encoded once with the service's own protos (dist/): grpc-js's client costs
// several times more CPU per call, and on the load's one core it, not the node, set the pace.
//
// closed: `connections` calls always in flight: { rps, total, non2xx (not OK), codes, ruled (answers
// under a rule), p50, p99 }.
// open: call i is due at start + i / rate; its latency counts from when it was due (a call waiting
// for a free slot pays for the wait, as in bench/throughput/open-loop.mjs): { answered, late,
// dropped, codes, p50, p99 }. The first half second is not counted.
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadRlsDefinition, RLS_SERVICE_NAME } from '../../dist/envoy/rls-protos.js';
import { percentile } from '../support/stats.mjs';

const { port, request, mode, seconds, connections = 50, rate, requests } = JSON.parse(process.argv[2]);
const WARM_UP_SECONDS = 0.5;
const method = loadRlsDefinition()[RLS_SERVICE_NAME].ShouldRateLimit;
const message = method.requestSerialize(request);
// A gRPC message: uncompressed (0), its length (4 bytes, big-endian), the bytes.
const frame = Buffer.alloc(5 + message.length);
frame.writeUInt32BE(message.length, 1);
message.copy(frame, 5);
const HEADERS = {
  ':method': 'POST',
  ':path': method.path,
  'content-type': 'application/grpc',
  te: 'trailers',
};
const session = http2.connect(`http://127.0.0.1:${port}`);
await new Promise((resolve, reject) => {
  session.once('connect', resolve);
  session.once('error', reject);
});

const codes = {};
/** Answers decided under a rule (a status with its `current_limit`): an unknown domain is OK too. */
let ruled = 0;
/** One call: resolves its latency from `since` (ms), counting its answer's code. */
function call(since) {
  return new Promise((resolve) => {
    const stream = session.request(HEADERS);
    const chunks = [];
    let grpcStatus;
    stream.on('response', (headers) => (grpcStatus = headers['grpc-status']));
    stream.on('trailers', (trailers) => (grpcStatus = trailers['grpc-status']));
    stream.on('data', (chunk) => chunks.push(chunk));
    const done = () => {
      let code = `grpc ${grpcStatus ?? 'none'}`;
      if (grpcStatus === '0') {
        const response = method.responseDeserialize(Buffer.concat(chunks).subarray(5));
        code = response.overall_code;
        if (response.statuses?.[0]?.current_limit) ruled++;
      }
      codes[code] = (codes[code] ?? 0) + 1;
      resolve(performance.now() - since);
    };
    stream.on('end', done);
    stream.on('error', done);
    stream.end(frame);
  });
}

const ms = (xs, p) => (xs.length === 0 ? NaN : percentile(Float64Array.from(xs), p));

async function closed() {
  const latencies = [];
  const started = performance.now();
  const measuredFrom = started + (requests === undefined ? WARM_UP_SECONDS * 1000 : 0);
  const ends = requests === undefined ? measuredFrom + seconds * 1000 : Infinity;
  let sent = 0;
  let measured = 0;
  let measuredSince;
  const lane = async () => {
    while (performance.now() < ends && (requests === undefined || sent < requests)) {
      sent++;
      const at = performance.now();
      const latency = await call(at);
      if (at >= measuredFrom) {
        measuredSince ??= at;
        measured++;
        latencies.push(latency);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, requests ?? connections) }, lane));
  const elapsed = (performance.now() - (measuredSince ?? started)) / 1000;
  const notOk = Object.entries(codes).reduce((n, [code, count]) => (code === 'OK' ? n : n + count), 0);
  return {
    rps: measured / elapsed,
    total: measured,
    non2xx: notOk,
    codes,
    ruled,
    p50: ms(latencies, 50),
    p99: ms(latencies, 99),
  };
}

async function open() {
  const total = Math.round(rate * (WARM_UP_SECONDS + seconds));
  const measuredFrom = Math.round(rate * WARM_UP_SECONDS);
  const interval = 1000 / rate;
  const latencies = [];
  let inFlight = 0;
  let late = 0;
  let answered = 0;
  const start = performance.now();
  const calls = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    // All slots busy: the call waits for one, and its latency still counts from when it was due.
    while (inFlight >= connections) await sleep(0);
    if (i >= measuredFrom && performance.now() - due > interval) late++;
    inFlight++;
    calls.push(
      call(due).then((latency) => {
        inFlight--;
        answered++;
        if (i >= measuredFrom) latencies.push(latency);
      }),
    );
  }
  await Promise.race([Promise.all(calls), sleep(3_000)]);
  return { answered, late, dropped: total - answered, codes, p50: ms(latencies, 50), p99: ms(latencies, 99) };
}

const result = mode === 'open' ? await open() : await closed();
session.close();
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
