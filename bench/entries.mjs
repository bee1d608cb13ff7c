// `node bench/entries.mjs [--quick] [--redis <url>] [--rounds n] [--duration s]` (run by `npm run
// bench`): the service's decision entries side by side, one node of `node dist/main.js` under its
// `default` rule, pinned as in bench/pinned.mjs (the node alone on CPU 1; the load, Redis and this
// script on CPU 0):
// - `POST /v1/check` (a JSON body), what services call;
// - `GET /v1/check/auth-request` (the request in headers, 204 when allowed), what nginx calls;
// - Envoy's `ShouldRateLimit` over gRPC (ENVOY_RLS_PORT), what Envoy calls.
// For each, closed loop (decisions/s and the node's CPU per decision, from /proc) and a fixed rate
// (a quarter of that round's /v1/check closed-loop rate, the same for all): p50 and p99. HTTP load
// is wrk closed loop and bench/throughput/open-loop.mjs at a fixed rate; gRPC load is
// bench/entries/grpc-load.mjs (node:http2, one connection), both ways. Every entry is warmed up
// before the first round. Rounds interleave the entries;
// tables show medians and min-max. Prints a markdown section on stdout.
import { setTimeout as sleep } from 'node:timers/promises';
import { runScript } from './support/cleanup.mjs';
import { cpuSeconds, pinProcess, requirePinning } from './support/cpu.mjs';
import { createRule, startNode } from './support/nodes.mjs';
import { commandLine, option, progress, quick, redisOption } from './support/options.mjs';
import { freePort } from './support/ports.mjs';
import { createDatabase } from './support/postgres.mjs';
import { cli, pinRedis, sectionRedis } from './support/redis.mjs';
import { fmt, median, range, table } from './support/stats.mjs';
import { requireWrk, wrkVersion } from './support/wrk.mjs';
import { grpcClosedLoop, grpcOpenLoop } from './entries/grpc.mjs';
import { closedLoop, openLoop } from './throughput/load.mjs';

const TARGET_CPU = 1;
const LOAD_CPU = 0;

const settings = {
  rounds: Number(option('rounds', quick ? '1' : '3')),
  duration: Number(option('duration', quick ? '2' : '5')),
  warmUp: quick ? 1 : 2,
  connections: 50,
  fixedRate: 0.25,
};

/** What every entry decides: the same client and resource under the node's `default` rule. */
const CLIENT = '203.0.113.7';
const RESOURCE_PATH = '/bench';
const ENVOY_DOMAIN = 'bench';

/** The entries, each with how its load is sent and what an allowed answer is. */
const ENTRIES = [
  {
    name: 'POST /v1/check',
    http: {
      path: '/v1/check',
      method: 'POST',
      body: JSON.stringify({ clientId: CLIENT, resource: `GET ${RESOURCE_PATH}` }),
    },
    allowed: 200,
  },
  {
    name: 'GET /v1/check/auth-request',
    http: {
      path: '/v1/check/auth-request',
      method: 'GET',
      headers: { 'X-Original-Method': 'GET', 'X-Original-URI': RESOURCE_PATH, 'X-Real-IP': CLIENT },
    },
    allowed: 204,
  },
  {
    name: 'Envoy gRPC ShouldRateLimit',
    grpc: { domain: ENVOY_DOMAIN, descriptors: [{ entries: [{ key: 'remote_address', value: CLIENT }] }] },
  },
];

/** The node every round measures: started once (its startup is not what this section measures). */
async function startTarget(redisUrl) {
  const grpcPort = await freePort(4900, 4999);
  const node = await startNode({
    redisUrl,
    databaseUrl: await createDatabase(),
    env: {
      DEFAULT_LIMIT: '1000000000',
      DEFAULT_WINDOW_MS: '3600000',
      // The load comes from loopback: auth-request believes X-Real-IP only from a trusted proxy.
      TRUSTED_PROXIES: 'loopback',
      ENVOY_RLS_PORT: String(grpcPort),
    },
  });
  await pinProcess(node.proc.pid, TARGET_CPU);
  // Envoy descriptors meet only the rules of their domain; an unknown domain would answer OK
  // without deciding anything.
  await createRule(node, {
    name: 'bench-envoy',
    match: { domain: ENVOY_DOMAIN, descriptors: [{ key: 'remote_address' }] },
    limits: [{ limit: 1_000_000_000, windowMs: 3_600_000 }],
  });
  return { ...node, grpcPort };
}

/** Answers the entry's two probes as allowed, or throws: numbers for a broken entry mean nothing. */
async function probe(node, entry) {
  if (entry.grpc !== undefined) {
    // The rule was just created: it reaches the node within milliseconds.
    for (let attempt = 1; ; attempt++) {
      const run = await grpcClosedLoop({ port: node.grpcPort, request: entry.grpc, seconds: 0, requests: 2 });
      if (run.codes.OK === 2 && run.ruled === 2) return;
      if (attempt === 20) throw new Error(`${entry.name} answered ${JSON.stringify(run)} to 2 probes`);
      await sleep(100);
    }
  }
  const { path, method, headers = {}, body } = entry.http;
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== entry.allowed) throw new Error(`${entry.name} answered ${res.status}, not ${entry.allowed}`);
  }
}

async function closed(node, entry, seconds) {
  const { connections } = settings;
  if (entry.grpc !== undefined) {
    return grpcClosedLoop({ port: node.grpcPort, request: entry.grpc, seconds, connections, cpu: LOAD_CPU });
  }
  return closedLoop('wrk', { port: node.port, ...entry.http, seconds, connections, cpu: LOAD_CPU });
}

async function fixed(node, entry, rate) {
  const { connections, duration: seconds } = settings;
  if (entry.grpc !== undefined) {
    return grpcOpenLoop({ port: node.grpcPort, request: entry.grpc, rate, seconds, connections, cpu: LOAD_CPU });
  }
  return openLoop({ port: node.port, ...entry.http, rate, seconds, connections, cpu: LOAD_CPU });
}

/** One entry: warm-up, closed loop with the node's CPU, then `rateOf(closed)` req/s. */
async function measure(node, entry, rateOf) {
  await closed(node, entry, settings.warmUp);
  const before = await cpuSeconds(node.proc.pid);
  const run = await closed(node, entry, settings.duration);
  const cpuUs = (((await cpuSeconds(node.proc.pid)) - before) * 1e6) / run.total;
  const rate = rateOf(run);
  const open = await fixed(node, entry, rate);
  return { rps: run.rps, cpuUs, refused: run.non2xx / run.total, rate, p50: open.p50, p99: open.p99, open };
}

async function round(node, results, n) {
  let rate;
  for (const entry of ENTRIES) {
    // The first entry (/v1/check) sets the round's fixed rate for every entry.
    const rateOf = (run) => (rate ??= Math.round(settings.fixedRate * run.rps));
    const m = await measure(node, entry, rateOf);
    progress(
      `round ${n} ${entry.name.padEnd(28)} ${fmt(m.rps).padStart(7)}/s ${fmt(m.cpuUs, 1).padStart(6)} us/decision; at ${m.rate}/s p50 ${fmt(m.p50, 2)} p99 ${fmt(m.p99, 2)} ms`,
    );
    (results[entry.name] ??= []).push(m);
  }
}

const cell = (xs, digits = 0) => `${fmt(median(xs), digits)} (${range(xs, digits)})`;

function report(results, { command, tool, redisVersion }) {
  const rows = ENTRIES.map(({ name }) => {
    const runs = results[name];
    const of = (field) => runs.map((run) => run[field]);
    return [
      `\`${name}\``,
      cell(of('rps')),
      cell(of('cpuUs'), 1),
      cell(of('rate')),
      cell(of('p50'), 2),
      cell(of('p99'), 2),
      fmt(Math.max(...of('refused')) * 100, 1),
    ];
  });
  return [
    '## The decision entries: /v1/check, nginx auth_request, Envoy gRPC',
    '',
    `\`${command}\`: one node under its \`default\` rule (a limit never reached), alone on CPU ${TARGET_CPU}; the load, Redis ${redisVersion} and the bench on CPU ${LOAD_CPU}. Closed loop at ${settings.connections} in flight (HTTP: ${tool}; gRPC: node:http2, one connection), then a fixed rate, a quarter of the round's \`POST /v1/check\` closed-loop rate, for every entry. ${settings.rounds} round(s) of ${settings.duration} s; medians (min-max).`,
    '',
    table(['entry', 'decisions/s', 'node CPU us/decision', 'fixed rate /s', 'p50 ms', 'p99 ms', 'refused %'], rows),
    '',
    'The node CPU per decision is what compares: the closed-loop rate of the gRPC entry is also bounded by its load generator (Node on one core), where wrk is C.',
  ].join('\n');
}

await runScript(async () => {
  await requirePinning([TARGET_CPU, LOAD_CPU]);
  await requireWrk();
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1) throw new Error('--rounds: a whole number >= 1');
  const redis = await sectionRedis(redisOption);
  await pinProcess(process.pid, LOAD_CPU);
  await pinRedis(redis.port, LOAD_CPU);
  const node = await startTarget(redis.url);
  for (const entry of ENTRIES) await probe(node, entry);
  // A node just started runs its code unoptimized: every entry's path is warm before round 1.
  for (const entry of ENTRIES) await closed(node, entry, 3 * settings.warmUp);
  const results = {};
  for (let n = 1; n <= settings.rounds; n++) await round(node, results, n);
  await node.stop();
  const redisVersion = /redis_version:(\S+)/.exec(await cli(redis.port, 'info', 'server'))[1];
  console.log(report(results, { command: commandLine('entries.mjs'), tool: await wrkVersion(), redisVersion }));
});
