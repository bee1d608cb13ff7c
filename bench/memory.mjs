// `node bench/memory.mjs [--quick] [--redis <url>]`: what tracking clients costs in memory.
//
// 1. Redis bytes per tracked client, per algorithm, at 1, 10 and 100 requests in the window.
// 2. Redis's used_memory growth for 100,000 distinct clients per algorithm (5,000 with --quick).
// Both run the Lua scripts as the store sends them, includes expanded (scriptSources() of the
// build in dist/), on a redis-server of this script's with nothing else on it (even with --redis:
// used_memory must be ours alone).
// 3. A service node's heap (GET /metrics) while it answers POST /v1/check for as many distinct
// clients, on the Redis of --redis or one of its own.
// Prints a markdown section on stdout.
import autocannon from 'autocannon';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { runScript } from './support/cleanup.mjs';
import { SERVICE_KEY_PATTERNS, metrics, metricsAfterFullGc, metricSum, startService } from './support/nodes.mjs';
import { commandLine, progress, quick, redisOption } from './support/options.mjs';
import { serviceRedis, startRedis } from './support/redis.mjs';
import { fmt, table } from './support/stats.mjs';

// Fewer callers with --quick: MEMORY USAGE per caller is the same, used_memory growth noisier.
const CLIENTS = quick ? 200 : 1_000;
const QUICK_MANY_CLIENTS = 5_000;
const FULL_MANY_CLIENTS = 100_000;
const MANY_CLIENTS = quick ? QUICK_MANY_CLIENTS : FULL_MANY_CLIENTS;
const WINDOW_MS = 60_000;
const REQUESTS = [1, 10, 100];
// Beyond zset-max-listpack-entries (128) a sorted set becomes a skiplist: shown for sliding_log.
const LOG_EXTRA = 1_000;
const PIPELINE = 1_000;
// Requests in flight against the node: enough to keep it busy over kept-alive connections.
const IN_FLIGHT = 200;
const MiB = 2 ** 20;

const ALGORITHMS = {
  sliding_window: { code: 'sw' },
  sliding_log: { code: 'sl' },
  token_bucket: { code: 'tb' },
  fixed_window: { code: 'fw' },
  gcra: { code: 'gc' },
};

// The scripts include shared pieces (`--- @include`), so the raw .lua files are not runnable.
const SCRIPTS = new URL('../dist/limiter/store/redis/redis-scripts.js', import.meta.url);
if (!existsSync(SCRIPTS)) throw new Error(`${fileURLToPath(SCRIPTS)} is missing: run \`npm run build\` first`);
const { scriptSources } = await import(SCRIPTS.href);

// The same key shape as src/limiter/store/store-key.ts: `fg:{<22 chars>}:<algorithm>:<windowMs>`.
function keyOf(code) {
  const digest = createHash('sha256').update('GET /bench').update('\0').update(randomUUID()).digest('base64url');
  return `fg:{${digest.slice(0, 22)}}:${code}:${WINDOW_MS}`;
}

async function usedMemory(client) {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);
}

/** `requests` requests (cost `costPerCall` per call) for each of `keys`, pipelined; every one must be admitted. */
async function consume(client, name, keys, requests, limit, costPerCall = 1) {
  for (let r = 0; r < requests; r += costPerCall) {
    for (let from = 0; from < keys.length; from += PIPELINE) {
      const pipeline = client.pipeline();
      for (const key of keys.slice(from, from + PIPELINE)) pipeline[name](key, costPerCall, limit, WINDOW_MS, -1);
      for (const [error, reply] of await pipeline.exec()) {
        if (error) throw error;
        if (reply[0] !== 1) throw new Error(`${name}: a request was denied; the limit is too low`);
      }
    }
  }
}

/** Bytes per caller after `requests` each: MEMORY USAGE of its key, and used_memory growth. */
async function measure(client, name, requests, costPerCall = 1) {
  await client.flushall();
  const keys = Array.from({ length: CLIENTS }, () => keyOf(ALGORITHMS[name].code));
  const before = await usedMemory(client);
  // token_bucket and gcra keys expire once drained: a much larger limit would have them gone
  // before they are measured.
  await consume(client, name, keys, requests, Math.max(100, requests), costPerCall);
  const after = await usedMemory(client);
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
  let usage = 0;
  for (const [error, bytes] of await pipeline.exec()) {
    if (error) throw error;
    if (bytes === null) throw new Error(`${name}: a key expired before it was measured`);
    usage += bytes;
  }
  return { usage: usage / CLIENTS, used: (after - before) / CLIENTS };
}

async function perClientSection(client) {
  // Warm-up: the first keys pay for dictionaries and Lua state that later ones share.
  await measure(client, 'gcra', 1);
  const rows = [];
  const log = {};
  for (const name of Object.keys(ALGORITHMS)) {
    const cells = [];
    for (const requests of REQUESTS) {
      const { usage, used } = await measure(client, name, requests);
      cells.push(`${Math.round(usage)} (${Math.round(used)})`);
      if (name === 'sliding_log') log[requests] = usage;
    }
    rows.push([name, ...cells]);
  }
  // Units of 10 per call: the same entries as 1000 calls (one member per unit), in a tenth of the time.
  log[LOG_EXTRA] = (await measure(client, 'sliding_log', LOG_EXTRA, 10)).usage;
  const perRequest = (a, b) => ((log[b] - log[a]) / (b - a)).toFixed(1);
  return [
    '### Redis bytes per tracked client',
    '',
    `${fmt(CLIENTS)} callers, one limit, ${WINDOW_MS / 1000} s window. Bytes per tracked caller: \`MEMORY USAGE\` of its key (used_memory growth per caller in brackets).`,
    '',
    table(['algorithm', ...REQUESTS.map((r) => `${r} req`)], rows),
    '',
    `sliding_log bytes per request: ${perRequest(10, 100)} (10 to 100 requests, listpack), ${perRequest(100, LOG_EXTRA)} (100 to ${LOG_EXTRA}, past zset-max-listpack-entries: skiplist); ${Math.round(log[LOG_EXTRA])} bytes at ${LOG_EXTRA} requests.`,
  ].join('\n');
}

/**
 * used_memory growth for MANY_CLIENTS distinct callers of one request each, under a limit of 1:
 * token_bucket and gcra keys then live the whole window instead of draining in 1/limit of it.
 */
async function manyClients(client, name) {
  await client.flushall();
  const keys = Array.from({ length: MANY_CLIENTS }, () => keyOf(ALGORITHMS[name].code));
  // A fixed window's keys all expire where the epoch-aligned window ends: not before they are counted
  // (100,000 calls take about 3 s here, then a second's wait).
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (name === 'fixed_window' && left < 8_000) await sleep(left + 100);
  const before = await usedMemory(client);
  await consume(client, name, keys, 1, 1);
  // Redis grows its key tables by rehashing incrementally, also from its 100 ms timer: let it finish.
  await sleep(1_000);
  return { bytes: (await usedMemory(client)) - before, keys: await client.dbsize() };
}

async function manyClientsSection(client) {
  const rows = [];
  for (const name of Object.keys(ALGORITHMS)) {
    const { bytes, keys } = await manyClients(client, name);
    if (keys !== MANY_CLIENTS) throw new Error(`${name}: ${keys} keys for ${MANY_CLIENTS} clients`);
    rows.push([name, fmt(keys), fmt(bytes / MiB, 1), fmt(bytes / MANY_CLIENTS)]);
    progress(`${name}: ${fmt(bytes / MiB, 1)} MiB for ${fmt(MANY_CLIENTS)} clients`);
  }
  return [
    `### Redis memory for ${fmt(MANY_CLIENTS)} distinct clients`,
    '',
    `Each algorithm on an emptied server: one request (one limit of 1 per ${WINDOW_MS / 1000} s, so that no key drains and expires before it is counted) for each of ${fmt(MANY_CLIENTS)} distinct callers through the scripts, pipelined ${fmt(PIPELINE)} at a time; growth of \`used_memory\` (read 1 s later, once Redis has finished growing its key tables), which includes the key and expiry tables.`,
    '',
    table(['algorithm', 'keys', 'used_memory growth MiB', 'bytes per client'], rows),
  ].join('\n');
}

/** The node's heap and GC counters from its /metrics text. */
function heapIn(text) {
  return {
    used: metricSum(text, 'nodejs_heap_size_used_bytes'),
    total: metricSum(text, 'nodejs_heap_size_total_bytes'),
    rss: metricSum(text, 'process_resident_memory_bytes'),
    majorGcs: metricSum(text, 'nodejs_gc_duration_seconds_count', 'kind="major"'),
    minorGcs: metricSum(text, 'nodejs_gc_duration_seconds_count', 'kind="minor"'),
  };
}

const heapOf = async (node) => heapIn(await metrics(node));

/** A full GC in the node (SIGUSR2, see support/gc-on-signal.mjs), then its heap. */
const heapAfterGc = async (node) => heapIn(await metricsAfterFullGc(node));

/**
 * One check for each of `clients` distinct callers (autocannon: IN_FLIGHT connections kept alive,
 * a fresh clientId per request): `{ ok, other, errors }`.
 */
async function checkDistinctClients(node, prefix, clients) {
  let next = 0;
  const result = await autocannon({
    url: `${node.url}/v1/check`,
    connections: IN_FLIGHT,
    amount: clients,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ clientId: `${prefix}-${next++}` }) }),
      },
    ],
  });
  return { ok: result['2xx'], other: result.non2xx, errors: result.errors + result.timeouts };
}

/** Runs `load` while reading the node's heap every 500 ms: the load's result and the largest heap seen. */
async function whileSampling(node, load) {
  let peak = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, (await heapOf(node)).used);
      await sleep(500);
    }
  })();
  try {
    return { result: await load(), peak };
  } finally {
    done = true;
    await sampler;
  }
}

async function heapSection() {
  const redisUrl = await serviceRedis(redisOption, SERVICE_KEY_PATTERNS);
  const preload = fileURLToPath(new URL('./support/gc-on-signal.mjs', import.meta.url));
  const { nodes } = await startService({
    count: 1,
    redisUrl,
    // Store calls that cannot time out: a saturated node would otherwise fail open on some
    // checks and skip Redis, a lighter load than the one measured.
    env: {
      DEFAULT_LIMIT: '1000000',
      DEFAULT_WINDOW_MS: String(WINDOW_MS),
      RATE_LIMIT_TIMEOUT_MS: '10000',
      RATE_LIMIT_FAIL_MODE: 'closed',
    },
    nodeArgs: ['--import', preload],
  });
  const [node] = nodes;
  // Warm-up (JIT, connection pools) with clients of its own, so the baseline is a working node's.
  await checkDistinctClients(node, 'warm', 2_000);
  const baseline = await heapAfterGc(node);
  const started = Date.now();
  const { result: answers, peak } = await whileSampling(node, () => checkDistinctClients(node, 'mem', MANY_CLIENTS));
  const seconds = (Date.now() - started) / 1000;
  const end = await heapOf(node);
  const retained = await heapAfterGc(node);
  progress(`node heap: ${fmt(baseline.used / MiB, 1)} MiB before, ${fmt(retained.used / MiB, 1)} MiB after (full GC)`);
  const row = (what, heap) => [what, fmt(heap.used / MiB, 1), fmt(heap.total / MiB, 1), fmt(heap.rss / MiB, 1)];
  return [
    `### The node's heap under ${fmt(MANY_CLIENTS)} distinct clients`,
    '',
    `One service node (\`node --import bench/support/gc-on-signal.mjs dist/main.js\`: the preload runs a full GC on SIGUSR2 and changes nothing else), default rule ${fmt(1_000_000)} per ${WINDOW_MS / 1000} s, store timeout 10 s and fail mode closed (every check goes to Redis), warmed up with 2,000 checks. Then one \`POST /v1/check\` for each of ${fmt(MANY_CLIENTS)} distinct clientIds, ${IN_FLIGHT} in flight over kept-alive connections (autocannon in this process; ${fmt(MANY_CLIENTS / seconds)} checks/s; ${fmt(answers.ok)} answered 200, ${fmt(answers.other)} otherwise, ${fmt(answers.errors)} errors). Heap from the node's \`GET /metrics\` (\`nodejs_heap_size_used_bytes\`, \`nodejs_heap_size_total_bytes\`, \`process_resident_memory_bytes\`), read every 500 ms during the load.`,
    '',
    table(
      ['moment', 'heap used MiB', 'heap total MiB', 'RSS MiB'],
      [
        row('before the load, after a full GC', baseline),
        ['peak read during the load', fmt(Math.max(peak, end.used) / MiB, 1), '', ''],
        [
          `end of the load, no GC forced (${fmt(end.minorGcs - baseline.minorGcs)} minor and ${fmt(end.majorGcs - baseline.majorGcs)} major GCs ran during it)`,
          fmt(end.used / MiB, 1),
          fmt(end.total / MiB, 1),
          fmt(end.rss / MiB, 1),
        ],
        row('after the load, after a full GC (what stays)', retained),
      ],
    ),
    '',
    `Retained growth: ${fmt((retained.used - baseline.used) / 1024)} KiB after ${fmt(MANY_CLIENTS)} clients. By design a node keeps no state per allowed caller (counters live in Redis; the denial cache holds refused callers only and is bounded), so this growth should not scale with the number of clients: compare a \`--quick\` run (${fmt(QUICK_MANY_CLIENTS)} clients) with the full one (${fmt(FULL_MANY_CLIENTS)}).`,
  ].join('\n');
}

await runScript(async () => {
  const { url } = await startRedis();
  const client = new Redis(url);
  const sources = scriptSources();
  for (const name of Object.keys(ALGORITHMS)) client.defineCommand(name, { lua: sources[name], numberOfKeys: 1 });
  const version = (await client.info('server')).match(/redis_version:(\S+)/)[1];
  let sections;
  try {
    sections = [await perClientSection(client), await manyClientsSection(client)];
  } finally {
    await client.quit();
  }
  sections.push(await heapSection());
  console.log(
    ['## Memory', '', `Command: \`${commandLine('memory.mjs')}\`. Redis ${version}.`, '', sections.join('\n\n')].join(
      '\n',
    ),
  );
});
