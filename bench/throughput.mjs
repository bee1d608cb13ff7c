// `node bench/throughput.mjs [--quick] [--redis <url>] [--rounds n] [--duration s] [--connections n]
//   [--keys one|many|both] [--fixed-rate f] [--load wrk|autocannon]` (run by `npm run bench`):
// throughput and latency of the same NestJS + Fastify route without a limiter, with Floodgate and
// with its peers, then the whole service's POST /v1/check, then Redis's own floor.
//
// Every target is a process of its own (bench/server.mjs, or `node dist/main.js` for /v1/check) and
// the load comes from other processes (load.mjs). Variants run interleaved in rounds (A B C ..., A
// B C ...), so drift on the machine hits them all alike, and each round's ratios are against that
// round's baseline. Redis (--redis, else one of the script's own) must serve this script alone: it
// is flushed before every target, and its command counts are read. Prints a markdown section on
// stdout and writes the chart to bench/chart.svg.
import { writeFileSync } from 'node:fs';
import { runScript } from './support/cleanup.mjs';
import { createDatabase } from './support/postgres.mjs';
import { commandLine, option, progress, quick, redisOption } from './support/options.mjs';
import { cli, sectionRedis } from './support/redis.mjs';
import { wrkVersion } from './support/wrk.mjs';
import { chart } from './throughput/chart.mjs';
import { measureFloor } from './throughput/floor.mjs';
import { closedLoop, openLoop } from './throughput/load.mjs';
import { startOtlpSink } from './throughput/otlp-sink.mjs';
import { report } from './throughput/report.mjs';
import { CHECK_VARIANTS, ROUTE_VARIANTS, loadRequest, probe, startCheck, startRoute } from './throughput/targets.mjs';

const settings = {
  rounds: Number(option('rounds', quick ? '1' : '3')),
  duration: Number(option('duration', quick ? '1' : '5')),
  // The whole service needs a few seconds to be optimized; with many keys, the warm-up also makes
  // the first pass over the keys (in block mode, the allowed one). None in --quick: time matters more.
  warmUp: quick ? 0 : 2,
  connections: Number(option('connections', '50')),
  keys: option('keys', quick ? 'one' : 'both'),
  clients: 10_000,
  // Under every Redis limiter's closed-loop capacity (about 0.5-0.75x), so the tails compare
  // limiters at one moderate load rather than queues that grow. 0 (--quick's default): none.
  fixedRate: Number(option('fixed-rate', quick ? '0' : '0.25')),
  floorRequests: quick ? 20_000 : 100_000,
};
const CHART = new URL('./chart.svg', import.meta.url);

/**
 * Script calls (EVAL, EVALSHA, FCALL), all commands Redis ran (those inside scripts included), and
 * TIME calls: every Floodgate script call reads Redis's clock once, a batch once for all its
 * decisions (the peers' scripts do not read it).
 */
async function commandCounts(port) {
  let scripts = 0;
  let commands = 0;
  let clock = 0;
  for (const [, name, calls] of (await cli(port, 'info', 'commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
    if (name === 'info') continue;
    commands += Number(calls);
    if (/^(eval|evalsha|fcall)(_ro)?$/.test(name)) scripts += Number(calls);
    if (name === 'time') clock += Number(calls);
  }
  return { scripts, commands, clock };
}

/**
 * Runs `measure(target)` against a target started by `start()` on a flushed Redis, then stops it.
 * `measure` returns its rows and how many requests the target answered; each row gets the Redis
 * script calls and commands per request over the target's whole life (probe and warm-up included).
 */
async function onTarget(redis, start, measure) {
  await cli(redis.port, 'flushall');
  const target = await start();
  try {
    const before = await commandCounts(redis.port);
    const { rows, requests } = await measure(target);
    const after = await commandCounts(redis.port);
    const perRequest = {
      scripts: (after.scripts - before.scripts) / requests,
      commands: (after.commands - before.commands) / requests,
      clockReads: (after.clock - before.clock) / requests,
    };
    return rows.map((row) => row && { ...row, ...perRequest });
  } finally {
    await target.stop();
  }
}

/** The warm-up run before measuring: how many requests it made. */
async function warmUp(tool, load) {
  if (settings.warmUp === 0) return 0;
  return (await closedLoop(tool, { ...load, seconds: settings.warmUp })).total;
}

/** Probe, warm-up, closed loop and (with `rateOf`) a fixed-rate run: `[closed, open]`. */
async function measureRoute(context, variant, keys, rateOf) {
  const { redis, tool } = context;
  const { connections, duration, clients } = settings;
  return onTarget(
    redis,
    () => startRoute(variant, keys, redis.url),
    async ({ port }) => {
      await probe(variant, port, keys);
      const load = { port, ...loadRequest(variant), keys: keys === 'many' ? clients : 0, connections };
      const warm = await warmUp(tool, load);
      const closed = await closedLoop(tool, { ...load, seconds: duration });
      const rate = rateOf?.(closed);
      const open = rate && (await openLoop({ port, path: load.path, rate, seconds: duration, connections }));
      return { rows: [closed, open], requests: 2 + warm + closed.total + (open?.answered ?? 0) };
    },
  );
}

async function measureCheck(context, variant) {
  const { redis, tool, databaseUrl, sink } = context;
  const { connections, duration } = settings;
  const exported = sink.received();
  const [closed] = await onTarget(
    redis,
    () => startCheck(variant, { redisUrl: redis.url, databaseUrl, otlpUrl: sink.url }),
    async ({ port }) => {
      await probe(variant, port, 'one');
      const load = { port, ...loadRequest(variant), connections };
      const warm = await warmUp(tool, load);
      const closed = await closedLoop(tool, { ...load, seconds: duration });
      return { rows: [closed], requests: 2 + warm + closed.total };
    },
  );
  // Read after the node stopped: its last spans are flushed at shutdown.
  const { exports, bytes } = sink.received();
  return { ...closed, traceExports: exports - exported.exports, traceBytes: bytes - exported.bytes };
}

const log = (round, keys, name, row) =>
  progress(
    `round ${round} ${keys} ${name.padEnd(22)} ${row.rps.toFixed(0).padStart(6)} req/s p50 ${row.p50} p99 ${row.p99} ms, non-2xx ${row.non2xx}/${row.total}, scripts/req ${row.scripts.toFixed(3)}`,
  );

/** Every route variant with one hot key, closed loop then fixed rate; then /v1/check. */
async function oneKeyPass(context, results, n) {
  const { closed, open, check, rates } = results;
  for (const variant of ROUTE_VARIANTS) {
    // The round's fixed rate: a fraction of its baseline's closed-loop throughput (measured first).
    const rateOf =
      variant.target === 'baseline'
        ? (c) => (rates[n - 1] = Math.round(settings.fixedRate * c.rps))
        : () => rates[n - 1];
    // A ceiling has no tail worth comparing: it decides nothing.
    const fixedRate = settings.fixedRate > 0 && !variant.ceiling;
    const [c, o] = await measureRoute(context, variant, 'one', fixedRate ? rateOf : undefined);
    log(n, 'one', variant.name, c);
    (closed.one[variant.name] ??= []).push(c);
    if (o === undefined) continue;
    progress(
      `  fixed ${o.rate} req/s: p50 ${o.p50?.toFixed(2)} p99 ${o.p99?.toFixed(2)} p99.9 ${o.p999?.toFixed(2)} ms, late ${o.late}, dropped ${o.dropped}`,
    );
    (open[variant.name] ??= []).push(o);
  }
  // The traced node costs a start and a run more; --quick leaves it out.
  for (const variant of quick ? CHECK_VARIANTS.filter((v) => !v.traced) : CHECK_VARIANTS) {
    const c = await measureCheck(context, variant);
    log(n, 'one', variant.name, c);
    (check[variant.name] ??= []).push(c);
  }
}

async function floorPass(context, results, n) {
  const rows = await measureFloor(context.redis.port, settings.floorRequests);
  const summary = Object.entries(rows).map(([name, { rps }]) => `${name} ${rps.toFixed(0)}/s`);
  progress(`round ${n} floor: ${summary.join(', ')}`);
  for (const [name, row] of Object.entries(rows)) (results.floor[name] ??= []).push(row);
}

async function manyKeysPass(context, results, n) {
  for (const variant of ROUTE_VARIANTS) {
    const [c] = await measureRoute(context, variant, 'many');
    log(n, 'many', variant.name, c);
    (results.closed.many[variant.name] ??= []).push(c);
  }
}

async function round(context, results, n) {
  if (settings.keys !== 'many') await oneKeyPass(context, results, n);
  await floorPass(context, results, n);
  if (settings.keys !== 'one') await manyKeysPass(context, results, n);
}

/** The load tool to use; throws on options that would fail (or mislead) only later in the run. */
async function checkedOptions() {
  for (const name of ['rounds', 'duration', 'connections']) {
    // wrk takes whole seconds.
    if (!Number.isInteger(settings[name]) || settings[name] < 1) throw new Error(`--${name}: a whole number >= 1`);
  }
  if (!(settings.fixedRate >= 0 && settings.fixedRate <= 1)) {
    throw new Error('--fixed-rate: a fraction in [0, 1] (0: no fixed-rate runs)');
  }
  if (!['one', 'many', 'both'].includes(settings.keys)) throw new Error(`--keys ${settings.keys}: one, many or both`);
  const wrk = await wrkVersion();
  const tool = option('load', wrk ? 'wrk' : 'autocannon');
  if (!['wrk', 'autocannon'].includes(tool) || (tool === 'wrk' && !wrk)) {
    throw new Error(`--load ${tool}: wrk (installed: ${wrk ?? 'no'}) or autocannon`);
  }
  return { tool, toolName: tool === 'wrk' ? wrk : 'autocannon' };
}

await runScript(async () => {
  const { tool, toolName } = await checkedOptions();
  const redis = await sectionRedis(redisOption);
  const context = { redis, tool, databaseUrl: await createDatabase(), sink: await startOtlpSink() };
  const results = { closed: { one: {}, many: {} }, open: {}, check: {}, floor: {}, rates: [] };
  for (let n = 1; n <= settings.rounds; n++) await round(context, results, n);

  const redisVersion = /redis_version:(\S+)/.exec(await cli(redis.port, 'info', 'server'))[1];
  const meta = {
    ...settings,
    command: commandLine('throughput.mjs'),
    tool: toolName,
    redisVersion,
  };
  writeFileSync(CHART, chart(results));
  console.log(report(results, meta));
});
