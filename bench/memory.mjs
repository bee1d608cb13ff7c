// `node bench/memory.mjs`: Redis memory per tracked client, per algorithm.
//
// Runs the Lua scripts as the store sends them, includes expanded (scriptSources() of the build in
// dist/: run `npm run build` first), on a redis-server of its own (127.0.0.1:6395, nothing else
// on it), which it starts and stops.
// For each algorithm, CLIENTS callers each make 1, 10 or 100 requests (cost 1) within one 60 s
// window, under a limit of 100 per window (token_bucket and gcra keys expire once drained, so a
// much larger limit would have them gone before they are measured); we report MEMORY USAGE of a caller's keys (what the key and its value cost) and the
// growth of used_memory per caller (which adds the keyspace and expiry dictionaries' share).
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const PORT = 6395;
const CLIENTS = 1_000;
const WINDOW_MS = 60_000;
const REQUESTS = [1, 10, 100];
// Beyond zset-max-listpack-entries (128) a sorted set becomes a skiplist: shown for sliding_log.
const LOG_EXTRA = 1_000;

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

async function startServer() {
  const server = spawn(
    'redis-server',
    ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const client = new Redis(PORT, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return { server, client };
    } catch {
      client.disconnect();
      await sleep(50);
    }
  }
  server.kill('SIGKILL');
  throw new Error(`redis-server did not start on ${PORT} (is the port taken?)`);
}

async function usedMemory(client) {
  return Number(/used_memory:(\d+)/.exec(await client.info('memory'))[1]);
}

async function measure(client, name, requests, costPerCall = 1) {
  const { code } = ALGORITHMS[name];
  await client.flushall();
  const keys = Array.from({ length: CLIENTS }, () => keyOf(code));
  const limit = Math.max(100, requests);
  const before = await usedMemory(client);
  for (let r = 0; r < requests; r += costPerCall) {
    const pipeline = client.pipeline();
    for (const key of keys) pipeline[name](key, costPerCall, limit, WINDOW_MS, -1);
    for (const [error, reply] of await pipeline.exec()) {
      if (error) throw error;
      if (reply[0] !== 1) throw new Error(`${name}: a request was denied; the limit is too low`);
    }
  }
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

const { server, client } = await startServer();
try {
  const sources = scriptSources();
  for (const name of Object.keys(ALGORITHMS)) client.defineCommand(name, { lua: sources[name], numberOfKeys: 1 });
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
    rows.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  // Units of 10 per call: the same entries as 1000 calls (one member per unit), in a tenth of the time.
  log[LOG_EXTRA] = (await measure(client, 'sliding_log', LOG_EXTRA, 10)).usage;

  const version = (await client.info('server')).match(/redis_version:(\S+)/)[1];
  console.log(`Redis ${version}, ${CLIENTS} callers, one limit, ${WINDOW_MS / 1000} s window.`);
  console.log('Bytes per tracked caller: MEMORY USAGE of its keys (used_memory growth per caller in brackets).\n');
  console.log(`| algorithm | ${REQUESTS.map((r) => `${r} req`).join(' | ')} |`);
  console.log(`| --- | ${REQUESTS.map(() => '---:').join(' | ')} |`);
  for (const row of rows) console.log(row);
  const perRequest = (a, b) => ((log[b] - log[a]) / (b - a)).toFixed(1);
  console.log(
    `\nsliding_log bytes per request: ${perRequest(10, 100)} (10 to 100 requests, listpack), ` +
      `${perRequest(100, LOG_EXTRA)} (100 to ${LOG_EXTRA}, past zset-max-listpack-entries: skiplist); ` +
      `${Math.round(log[LOG_EXTRA])} bytes at ${LOG_EXTRA} requests.`,
  );
} finally {
  await client.quit().catch(() => client.disconnect());
  server.kill('SIGTERM');
}
