// The floor: what Redis itself does with the work of one decision, measured by redis-benchmark on
// the same server (50 connections, no pipelining, like the HTTP load): PING for orientation, then
// EVALSHA of Floodgate's own sliding-window script with the arguments the Redis store sends for the
// allow-path route (one limit of 1e9 per 60 s, cost 1), on one hot key and on 10,000 keys.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cli } from '../support/redis.mjs';

const run = promisify(execFile);
const dist = (path) => new URL(`../../dist/limiter/${path}`, import.meta.url);
if (!existsSync(dist('store/redis/redis-scripts.js'))) {
  throw new Error(`${fileURLToPath(dist('store/redis/redis-scripts.js'))} is missing: run \`npm run build\` first`);
}
// The exact text the store loads: its includes expanded by the same code.
const { scriptSources } = await import(dist('store/redis/redis-scripts.js').href);
const { baseKey, limitKey } = await import(dist('store/store-key.js').href);

const WINDOW_MS = 60_000;
// ARGV as RedisRateLimitStore.consume() sends them for one limit: cost, limit, windowMs, burst (-1: none).
const ARGV = ['1', '1000000000', String(WINDOW_MS), '-1'];
/** A key of the store's shape for the route's rule and the load generator's IP. */
const HOT_KEY = limitKey(baseKey('fg', 'bench', 'ip:127.0.0.1'), 'sliding_window', WINDOW_MS);
// redis-benchmark puts 12 digits in place of __rand_int__: with the prefix, 22 characters like a digest.
const RANDOM_KEY = `fg:{floodgate-__rand_int__}:sw:${WINDOW_MS}`;
export const FLOOR_KEYS = 10_000;

/** The rows of the floor, in the order they are measured. */
export const FLOOR_ROWS = [
  { name: 'ping', what: 'redis-benchmark -t ping (PING_MBULK)' },
  { name: 'evalsha-hot', what: 'EVALSHA sliding_window, one hot key' },
  { name: 'evalsha-keys', what: `EVALSHA sliding_window, ${FLOOR_KEYS.toLocaleString('en-US')} keys` },
];

/** Loads the script (SCRIPT LOAD) and checks that it allows with these arguments: its SHA1. */
async function loadScript(port) {
  const sha = await cli(port, 'script', 'load', scriptSources().sliding_window);
  const reply = await cli(port, 'evalsha', sha, '1', HOT_KEY, ...ARGV);
  if (reply.split('\n')[0] !== '1') throw new Error(`the sliding_window script did not allow: ${reply}`);
  return sha;
}

/** One redis-benchmark run: `{ rps, p50 }` of the CSV row named `row` (default: the only one). */
async function benchmark(port, requests, args, row) {
  const { stdout } = await run('redis-benchmark', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    '50',
    '-P',
    '1',
    '-n',
    String(requests),
    '--csv',
    ...args,
  ]);
  const rows = stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(`[${line}]`));
  const [, rps, , , p50] = row === undefined ? rows[0] : rows.find(([name]) => name === row);
  return { rps: Number(rps), p50: Number(p50) };
}

/** Every floor row on the Redis at `port` (flushed first): `{ [name]: { rps, p50 } }`. */
export async function measureFloor(port, requests) {
  await cli(port, 'flushall');
  const sha = await loadScript(port);
  const evalsha = (key) => ['EVALSHA', sha, '1', key, ...ARGV];
  return {
    ping: await benchmark(port, requests, ['-t', 'ping'], 'PING_MBULK'),
    'evalsha-hot': await benchmark(port, requests, evalsha(HOT_KEY)),
    'evalsha-keys': await benchmark(port, requests, ['-r', String(FLOOR_KEYS), ...evalsha(RANDOM_KEY)]),
  };
}
