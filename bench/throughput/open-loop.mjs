// Fixed-rate (open-loop) load: `node bench/throughput/open-loop.mjs '<json spec>'`, one JSON line of
// results on stdout. Spec: { port, path, rate (req/s), seconds, connections, keys?, keyHeader?,
// method? (GET), headers? ({ name: value }), body? (a JSON string) }. With `keys` > 0 request i
// carries `keyHeader: c<1 + i % keys>` (many distinct clients).
//
// Request i is due at start + i / rate whatever the server does, and its latency counts from when it
// was due, so a server that stalls pays for every request it delayed (no coordinated omission, as
// in wrk2). autocannon's overallRate is not that: each connection fires back to back until it has
// sent its share of the current second, then idles, so it measures bursts of closed-loop load.
// A request is "late" when it fell due while all connections were busy, so it waited for one;
// "dropped" when it was never sent (the run ended with it still waiting) or never answered.
// The first half second is not counted: the generator's own code is not optimized yet.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../support/stats.mjs';

const spec = JSON.parse(process.argv[2]);
const { port, path, rate, seconds, connections, keys = 0, keyHeader, method = 'GET', headers = {}, body } = spec;
const fixedHeaders = Object.entries(headers)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');
const bodyHeaders =
  body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
const requestOf = (extra) =>
  Buffer.from(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${fixedHeaders}${bodyHeaders}${extra}\r\n${body ?? ''}`,
    'latin1',
  );
/** Built once: the generator's cost per request stays the same with one key or many. */
const REQUESTS =
  keys > 0 ? Array.from({ length: keys }, (_, n) => requestOf(`${keyHeader}: c${n + 1}\r\n`)) : [requestOf('')];
/** After the last request falls due: how long a waiting request may still be sent, then answered. */
const SEND_GRACE_MS = 1_000;
const ANSWER_GRACE_MS = 2_000;
const WARM_UP_SECONDS = 0.5;

const total = Math.round(rate * (WARM_UP_SECONDS + seconds));
const measuredFrom = Math.round(rate * WARM_UP_SECONDS);
const interval = 1000 / rate;
const latency = new Float64Array(total).fill(NaN);
const lag = new Float64Array(total).fill(NaN);
const statuses = {};
const idle = [];
let start = 0;
let next = 0;
let lateUpTo = -1;
let blocked = false;
let late = 0;
let errors = 0;
let answered = 0;
let sending = true;
let timer;
let allSent;
const sendingEnds = new Promise((resolve) => (allSent = resolve));

const due = (i) => start + i * interval;

/** Sends every request that is due, as far as connections allow, and wakes up for the next one. */
function pump() {
  const now = performance.now();
  if (blocked) {
    // Everything due by now fell due while every connection was busy: it waited for this one.
    lateUpTo = Math.min(total - 1, Math.floor((now - start) / interval));
    blocked = false;
  }
  while (sending && next < total && due(next) <= now) {
    const connection = idle.pop();
    if (connection === undefined) {
      // The next finished request calls pump() again.
      blocked = true;
      return;
    }
    // The send lag of a request that found a connection free is the generator's own imprecision.
    if (next > lateUpTo) lag[next] = now - due(next);
    else if (next >= measuredFrom) late++;
    connection.index = next++;
    connection.socket.write(REQUESTS[connection.index % REQUESTS.length]);
  }
  if (next === total) allSent();
  if (sending && next < total && timer === undefined) {
    timer = setTimeout(
      () => {
        timer = undefined;
        pump();
      },
      due(next) - now,
    );
  }
}

/** The status and length of the first complete response in `buffer`, or undefined. */
function parseResponse(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buffer.toString('latin1', 0, end);
  const status = head.slice(9, 12);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  // Fastify sends Content-Length for every JSON answer, and a 204 has no body; anything else would
  // be misread.
  if (!length && status !== '204') throw new Error(`a response without Content-Length:\n${head}`);
  const size = end + 4 + Number(length?.[1] ?? 0);
  return buffer.length < size ? undefined : { status, size };
}

function onAnswer(connection, status) {
  latency[connection.index] = performance.now() - due(connection.index);
  statuses[status] = (statuses[status] ?? 0) + 1;
  answered++;
  connection.index = -1;
  idle.push(connection);
  pump();
}

function connect() {
  const connection = { socket: net.connect(port, '127.0.0.1'), index: -1, pending: Buffer.alloc(0) };
  const { socket } = connection;
  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    connection.pending = connection.pending.length ? Buffer.concat([connection.pending, chunk]) : chunk;
    for (let response; (response = parseResponse(connection.pending));) {
      connection.pending = connection.pending.subarray(response.size);
      onAnswer(connection, response.status);
    }
  });
  socket.on('error', () => errors++);
  socket.on('close', () => {
    // The request in flight is lost (counted as dropped); the connection is replaced while sending.
    const i = idle.indexOf(connection);
    if (i >= 0) idle.splice(i, 1);
    if (sending) {
      connect()
        .then((replacement) => (idle.push(replacement), pump()))
        .catch(() => undefined);
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(connection));
    socket.once('error', reject);
  });
}

idle.push(...(await Promise.all(Array.from({ length: connections }, connect))));
start = performance.now();
pump();
const deadline = setTimeout(allSent, (WARM_UP_SECONDS + seconds) * 1000 + SEND_GRACE_MS);
await sendingEnds;
sending = false;
clearTimeout(deadline);
clearTimeout(timer);
for (let waited = 0; answered < next && waited < ANSWER_GRACE_MS; waited += 10) await sleep(10);

const measured = (xs) => xs.subarray(measuredFrom).filter((x) => !Number.isNaN(x));
const answeredLatencies = measured(latency);
const lags = measured(lag);
const ms = (xs, p) => (xs.length === 0 ? NaN : percentile(xs, p));
// Sockets still open are dropped with the process.
process.stdout.write(
  JSON.stringify({
    rate,
    seconds,
    // Every answer, warm-up included (what the server and Redis handled); then the measured part.
    answered,
    statuses,
    scheduled: total - measuredFrom,
    late,
    dropped: total - measuredFrom - answeredLatencies.length,
    errors,
    p50: ms(answeredLatencies, 50),
    p99: ms(answeredLatencies, 99),
    p999: ms(answeredLatencies, 99.9),
    lagP99: ms(lags, 99),
  }) + '\n',
  () => process.exit(0),
);
