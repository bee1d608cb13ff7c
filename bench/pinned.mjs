// `node bench/pinned.mjs [--quick] [--redis <url>] [--rounds n] [--duration s] [--keys one|many|both] [--only cold-start]`
// (run by `npm run bench`): what the decision path costs, read apart from how the machine's two
// cores are shared. The target process runs alone on CPU 1 (`taskset`); the load generator, Redis
// and this script run on CPU 0. For every target: req/s, the ratio to that round's bare route, and
// the node CPU time per request (utime + stime of the target's process from /proc over the
// measured window, divided by the requests answered in it), with each limiter's difference to the
// ceiling that decides nothing (`headers-only` for allow, `refusal-only` for block). Then a fixed
// rate at a quarter of the bare route's rate, `/v1/check` against a bare POST route that parses the
// same body, Redis's CPU per decision, and the service's cold start. Rounds interleave the
// variants (A B C ..., A B C ...); tables show the median of the rounds and their min-max. Prints a
// markdown section on stdout, with the goals of issue 16 and whether each is met.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runScript } from './support/cleanup.mjs';
import { cpuSeconds, pinProcess, requirePinning } from './support/cpu.mjs';
import { commandLine, option, progress, quick, redisOption } from './support/options.mjs';
import { freePort } from './support/ports.mjs';
import { createDatabase } from './support/postgres.mjs';
import { cli, pinRedis, sectionRedis } from './support/redis.mjs';
import { fmt, median, range, table } from './support/stats.mjs';
import { requireWrk, wrkVersion } from './support/wrk.mjs';
import { closedLoop, openLoop } from './throughput/load.mjs';
import {
  BARE_POST,
  CHECK_VARIANTS,
  loadRequest,
  probe,
  ROUTE_VARIANTS,
  startCheck,
  startRoute,
} from './throughput/targets.mjs';

const TARGET_CPU = 1;
const LOAD_CPU = 0;

const settings = {
  rounds: Number(option('rounds', '3')),
  duration: Number(option('duration', quick ? '1' : '5')),
  warmUp: quick ? 1 : 2,
  connections: Number(option('connections', '50')),
  keys: option('keys', 'both'),
  clients: 10_000,
  fixedRate: 0.25,
  coldStarts: quick ? 3 : 5,
  // `--only cold-start`: the cold starts alone (no wrk, no pinning needed).
  only: option('only', 'all'),
};

const byName = (name) => ROUTE_VARIANTS.find((variant) => variant.name === name);
const ROUTES = [
  'baseline',
  'headers-only allow',
  'refusal-only block',
  'floodgate-redis allow',
  'floodgate-redis block',
  'floodgate-memory allow',
  'floodgate-memory block',
  'rlf-redis-headers allow',
  'rlf-redis-headers block',
].map(byName);
/** The variants also run at a fixed rate: the bare route, and the allow paths compared in P3. */
const FIXED_RATE = new Set(['baseline', 'floodgate-redis allow', 'floodgate-memory allow', 'rlf-redis-headers allow']);
const CHECKS = [BARE_POST, ...CHECK_VARIANTS.filter((variant) => !variant.traced)];
/** The ceiling each mode's limiters are read against. */
const CEILING = { allow: 'headers-only allow', block: 'refusal-only block' };

/** Every command's calls and CPU microseconds in Redis, and the server's own CPU seconds. */
async function redisStats(port) {
  const commands = {};
  for (const [, name, calls, usec] of (await cli(port, 'info', 'commandstats')).matchAll(
    /^cmdstat_(\S+?):calls=(\d+),usec=(\d+)/gm,
  )) {
    commands[name] = { calls: Number(calls), usec: Number(usec) };
  }
  const cpu = await cli(port, 'info', 'cpu');
  const seconds = (field) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(cpu)[1]);
  return { commands, cpu: seconds('used_cpu_user') + seconds('used_cpu_sys') };
}

/** Script calls and their Redis CPU (commandstats) between two readings. */
function scriptDelta(before, after) {
  let calls = 0;
  let usec = 0;
  for (const [name, now] of Object.entries(after.commands)) {
    if (!/^(eval|evalsha|fcall)(_ro)?$/.test(name)) continue;
    calls += now.calls - (before.commands[name]?.calls ?? 0);
    usec += now.usec - (before.commands[name]?.usec ?? 0);
  }
  return { calls, usec, cpu: after.cpu - before.cpu };
}

/**
 * One target: started, pinned to TARGET_CPU, probed, warmed up, then measured closed loop, and at
 * `rateOf(closed)` req/s when that gives a rate. Returns `{ closed, open }`.
 */
async function measure(context, variant, keys, rateOf = () => undefined) {
  const { redis, databaseUrl } = context;
  await cli(redis.port, 'flushall');
  const target =
    variant.kind === 'check'
      ? await startCheck(variant, { redisUrl: redis.url, databaseUrl })
      : await startRoute(variant, keys, redis.url);
  const pid = target.pid ?? target.proc.pid;
  try {
    await pinProcess(pid, TARGET_CPU);
    await probe(variant, target.port, keys);
    const { connections, duration, warmUp, clients } = settings;
    const load = {
      port: target.port,
      ...loadRequest(variant),
      keys: keys === 'many' ? clients : 0,
      connections,
      cpu: LOAD_CPU,
    };
    await closedLoop('wrk', { ...load, seconds: warmUp });
    const redisBefore = await redisStats(redis.port);
    const cpuBefore = await cpuSeconds(pid);
    const run = await closedLoop('wrk', { ...load, seconds: duration });
    const cpu = (await cpuSeconds(pid)) - cpuBefore;
    const scripts = scriptDelta(redisBefore, await redisStats(redis.port));
    const closed = {
      rps: run.rps,
      p50: run.p50,
      p99: run.p99,
      refused: run.non2xx / run.total,
      cpuUs: (cpu * 1e6) / run.total,
      redisCpuUs: (scripts.cpu * 1e6) / run.total,
      scriptsPerRequest: scripts.calls / run.total,
      scriptUsPerRequest: scripts.usec / run.total,
      scriptUsPerCall: scripts.calls === 0 ? NaN : scripts.usec / scripts.calls,
    };
    const rate = rateOf(closed);
    const open =
      rate === undefined
        ? undefined
        : await openLoop({
            port: target.port,
            path: load.path,
            rate,
            seconds: duration,
            connections,
            keys: load.keys,
            cpu: LOAD_CPU,
          });
    return { closed, open };
  } finally {
    await target.stop();
  }
}

/**
 * How the service is started for a cold start: `node dist/main.js` (the bundle from its code
 * cache, tracing off); the same with the cache moved aside for the start (the bundle compiled as
 * V8 compiles a script it has no cache for); and the service from its files (what main.js runs
 * with tracing on), to show what the bundle and its cache save.
 */
const COLD_STARTS = {
  bundle: { args: ['dist/main.js'], what: '`dist/main.js` (bundle, code cache)' },
  'bundle, no cache': {
    args: ['dist/main.js'],
    withoutCache: true,
    what: '`dist/main.js`, its code cache moved aside',
  },
  files: {
    args: ['--input-type=module', '-e', "(await import('./dist/server.js')).runService()"],
    what: 'from its files',
  },
};
const CODE_CACHE = fileURLToPath(new URL('../dist/server.bundle.cjs.cache', import.meta.url));

/** A run killed while the cache was moved aside left it there: put back before any start. */
async function restoreCodeCache() {
  if (existsSync(`${CODE_CACHE}.aside`) && !existsSync(CODE_CACHE)) await rename(`${CODE_CACHE}.aside`, CODE_CACHE);
}

/** The time from starting the service (`COLD_STARTS[variant]`) to its first `/health` 200, with Redis and Postgres up: ms. */
async function coldStart(context, variant) {
  if (!COLD_STARTS[variant].withoutCache) return startOnce(context, variant);
  await rename(CODE_CACHE, `${CODE_CACHE}.aside`);
  try {
    return await startOnce(context, variant);
  } finally {
    await rename(`${CODE_CACHE}.aside`, CODE_CACHE);
  }
}

async function startOnce({ redis, databaseUrl }, variant) {
  const port = await freePort(4900, 4999);
  const started = performance.now();
  // On both cores: this script runs pinned to CPU 0, and a child would inherit that.
  const proc = spawn('taskset', ['-c', `${LOAD_CPU},${TARGET_CPU}`, process.execPath, ...COLD_STARTS[variant].args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redis.url,
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: 'bench-cold-start-token',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
    },
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error('the node exited before /health answered 200');
      const status = await fetch(`http://127.0.0.1:${port}/health`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error('no /health 200 within 60 s');
      await sleep(5);
    }
  } finally {
    proc.kill('SIGTERM');
    await exited;
  }
}

function push(results, keys, name, measured) {
  ((results.closed[keys] ??= {})[name] ??= []).push(measured.closed);
  if (measured.open !== undefined) ((results.open[keys] ??= {})[name] ??= []).push(measured.open);
}

async function round(context, results, n) {
  const keyModes = settings.keys === 'both' ? ['one', 'many'] : [settings.keys];
  for (const keys of keyModes) {
    let rate;
    // The round's fixed rate comes from the bare route's closed-loop rate, measured first.
    const rateOf = (variant) =>
      variant.name === 'baseline'
        ? (closed) => (rate = Math.round(settings.fixedRate * closed.rps))
        : () => (FIXED_RATE.has(variant.name) ? rate : undefined);
    for (const variant of ROUTES) {
      const measured = await measure(context, variant, keys, rateOf(variant));
      const c = measured.closed;
      progress(
        `round ${n} ${keys} ${variant.name.padEnd(24)} ${fmt(c.rps).padStart(7)} req/s ${fmt(c.cpuUs, 1).padStart(6)} us/req` +
          (measured.open ? `; at ${rate}/s p50 ${fmt(measured.open.p50, 2)} p99 ${fmt(measured.open.p99, 2)} ms` : ''),
      );
      push(results, keys, variant.name, measured);
    }
    (results.rates[keys] ??= []).push(rate);
  }
  for (const variant of CHECKS) {
    const measured = await measure(context, variant, 'one');
    progress(
      `round ${n} one ${variant.name.padEnd(24)} ${fmt(measured.closed.rps).padStart(7)} req/s ${fmt(measured.closed.cpuUs, 1).padStart(6)} us/req`,
    );
    push(results, 'post', variant.name, measured);
  }
}

// --- the report ---

/** Per-round values of `field` for `name`, or of its difference to `other` in the same rounds. */
function perRound(rows, name, field, other, combine = (a, b) => a - b) {
  const mine = rows[name]?.map((row) => row[field]) ?? [];
  if (other === undefined) return mine;
  const theirs = rows[other]?.map((row) => row[field]) ?? [];
  return mine.map((value, i) => combine(value, theirs[i]));
}

const cell = (xs, digits = 0, suffix = '') =>
  xs.length === 0 || xs.some(Number.isNaN) ? '-' : `${fmt(median(xs), digits)}${suffix} (${range(xs, digits)})`;
const ratio = (a, b) => a / b;

function closedTable(rows, base) {
  const header = [
    'variant',
    'req/s',
    `x ${base}`,
    'node CPU us/req',
    'over ceiling, us/req',
    'Redis CPU us/req',
    'scripts/req',
    'script us/req',
    'refused',
  ];
  const body = Object.keys(rows).map((name) => {
    const mode = name.endsWith(' block') ? 'block' : 'allow';
    const ceiling = name === base || name === CEILING[mode] || name === BARE_POST.name ? undefined : CEILING[mode];
    const redisRow = rows[name][0].scriptsPerRequest > 0;
    return [
      name,
      cell(perRound(rows, name, 'rps')),
      name === base ? '1.00x' : cell(perRound(rows, name, 'rps', base, ratio), 2, 'x'),
      cell(perRound(rows, name, 'cpuUs'), 1),
      ceiling === undefined || rows[ceiling] === undefined ? '-' : cell(perRound(rows, name, 'cpuUs', ceiling), 1),
      redisRow ? cell(perRound(rows, name, 'redisCpuUs'), 1) : '-',
      redisRow ? fmt(median(perRound(rows, name, 'scriptsPerRequest')), 3) : '-',
      redisRow ? cell(perRound(rows, name, 'scriptUsPerRequest'), 2) : '-',
      `${fmt(100 * median(perRound(rows, name, 'refused')), 1)}%`,
    ];
  });
  return table(header, body);
}

function openTable(rows) {
  const header = ['variant', 'p50 ms', 'p99 ms', 'p99.9 ms', 'late', 'dropped'];
  const body = Object.entries(rows).map(([name, runs]) => [
    name,
    cell(
      runs.map((r) => r.p50),
      2,
    ),
    cell(
      runs.map((r) => r.p99),
      2,
    ),
    cell(
      runs.map((r) => r.p999),
      2,
    ),
    fmt(median(runs.map((r) => r.late))),
    fmt(median(runs.map((r) => r.dropped))),
  ]);
  return table(header, body);
}

/** `[goal, figure, met]` rows of the goals table. */
function goals(results) {
  const rows = [];
  const verdict = (met) => (met ? 'met' : '**not met**');
  const keyLabel = { one: 'one key', many: '10,000 keys' };
  for (const keys of Object.keys(keyLabel)) {
    const closed = results.closed[keys];
    if (closed === undefined) continue;
    const over = (name, ceiling) => median(perRound(closed, name, 'cpuUs', ceiling));
    const p1 = over('floodgate-redis allow', CEILING.allow);
    rows.push([`P1 Redis allow over headers-only, ${keyLabel[keys]}`, '<= 4 us', `${fmt(p1, 1)} us`, verdict(p1 <= 4)]);
    const p1m = over('floodgate-memory allow', CEILING.allow);
    rows.push([
      `P1m memory allow over headers-only, ${keyLabel[keys]}`,
      '<= 3 us',
      `${fmt(p1m, 1)} us`,
      verdict(p1m <= 3),
    ]);
    const p1b = over('floodgate-redis block', CEILING.block);
    rows.push([
      `P1b Redis block over refusal-only, ${keyLabel[keys]}`,
      '<= 2 us',
      `${fmt(p1b, 1)} us`,
      verdict(p1b <= 2),
    ]);
    for (const mode of ['allow', 'block']) {
      const p2 = median(perRound(closed, `floodgate-redis ${mode}`, 'rps', `rlf-redis-headers ${mode}`, ratio));
      rows.push([
        `P2 ${mode} req/s x rlf-redis-headers, ${keyLabel[keys]}`,
        '>= 1.30x',
        `${fmt(p2, 2)}x`,
        verdict(p2 >= 1.3),
      ]);
    }
    const open = results.open[keys];
    if (open !== undefined) {
      const p99 = median(perRound(open, 'floodgate-redis allow', 'p99'));
      const rlfP99 = median(perRound(open, 'rlf-redis-headers allow', 'p99'));
      const p50 = median(perRound(open, 'floodgate-redis allow', 'p50'));
      const bareP50 = median(perRound(open, 'baseline', 'p50'));
      rows.push([
        `P3 fixed rate p99 / p50, ${keyLabel[keys]}`,
        `p99 <= rlf's, p50 <= bare + 0.2 ms`,
        `p99 ${fmt(p99, 2)} ms (rlf ${fmt(rlfP99, 2)}); p50 ${fmt(p50, 2)} ms (bare ${fmt(bareP50, 2)})`,
        verdict(p99 <= rlfP99 && p50 <= bareP50 + 0.2),
      ]);
    }
    const p5 = median(perRound(closed, 'floodgate-redis allow', 'scriptUsPerRequest'));
    rows.push([`P5 Redis script CPU per decision, ${keyLabel[keys]}`, '<= 4 us', `${fmt(p5, 2)} us`, verdict(p5 <= 4)]);
  }
  const post = results.closed.post;
  if (post !== undefined) {
    const p4 = median(perRound(post, 'check allow', 'rps', BARE_POST.name, ratio));
    rows.push(['P4 /v1/check allow x bare-post', '>= 0.70x', `${fmt(p4, 2)}x`, verdict(p4 >= 0.7)]);
  }
  const cold = median(results.coldStarts.bundle);
  rows.push(['P6 cold start to /health 200', '<= 1 s', `${fmt(cold)} ms`, verdict(cold <= 1_000)]);
  return table(['goal', 'target', 'measured (median of rounds)', 'verdict'], rows, ['l', 'l', 'l', 'l']);
}

function report(results, meta) {
  const variants = [...ROUTES, BARE_POST, ...CHECKS.slice(1)];
  const lines = meta.coldOnly
    ? [
        '## Pinned: the cold start alone',
        '',
        `Command: \`${meta.command}\`: no load, only the cold starts below.`,
        '',
        goals(results),
      ]
    : [
        '## Pinned: node CPU per decision, the target alone on its own core',
        '',
        `Command: \`${meta.command}\` (run by \`npm run bench\`): ${settings.rounds} round(s), variants interleaved in each; each target a process of its own pinned to CPU ${TARGET_CPU} with \`taskset\`, the load (${meta.tool}, one thread, ${settings.connections} connections), Redis ${meta.redisVersion} and the bench script on CPU ${LOAD_CPU}; ${settings.warmUp} s warm-up, then ${settings.duration} s measured. Node CPU per request: the target's utime + stime (\`/proc/<pid>/stat\`, all threads) over the measured run, divided by the requests answered in it. "Over ceiling": the same round's difference to \`headers-only\` (allow) or \`refusal-only\` (block), guards that decide nothing and only answer as the contract requires. Redis CPU per request: \`used_cpu_user + used_cpu_sys\` over the run; script us/req: the scripts' \`usec\` in \`INFO commandstats\` over the run, per request (per decision on an allow row). Medians of the rounds, min-max in brackets.`,
        '',
        ...variants.map(
          (v) =>
            `- \`${v.name}\`: ${v.what}${v.mode && v.kind !== 'check' && !v.ceiling && v.target !== 'baseline' && !v.post ? ` (${v.mode})` : ''}`,
        ),
        '',
        '### Goals (issue 16)',
        '',
        goals(results),
      ];
  for (const [keys, label] of [
    ['one', 'one hot key'],
    ['many', '10,000 keys'],
  ]) {
    if (results.closed[keys] === undefined) continue;
    lines.push('', `### Closed loop, ${label}`, '', closedTable(results.closed[keys], 'baseline'));
    if (results.open[keys] !== undefined) {
      lines.push(
        '',
        `### Fixed rate, ${label}`,
        '',
        `0.25 x the round's bare closed-loop rate (${results.rates[keys].map((r) => fmt(r)).join(', ')} req/s), from bench/throughput/open-loop.mjs on CPU ${LOAD_CPU}, ${settings.connections} connections, ${settings.duration} s after half a second not counted; latency counts from when a request was due.`,
        '',
        openTable(results.open[keys]),
      );
    }
  }
  if (results.closed.post !== undefined) {
    lines.push(
      '',
      '### `/v1/check` against a bare POST route, one key',
      '',
      closedTable(results.closed.post, BARE_POST.name),
    );
  }
  lines.push(
    '',
    '### Cold start',
    '',
    `\`node dist/main.js\` (Redis and Postgres up, migrations applied) to its first \`/health\` 200, polled every 5 ms, on both cores, interleaved with the same start with the bundle's code cache moved aside, and with the service started from its files (\`node -e "(await import('./dist/server.js')).runService()"\`, what main.js runs when tracing is on):`,
    '',
    table(
      ['start', 'runs, ms', 'median, ms'],
      Object.entries(results.coldStarts).map(([variant, runs]) => [
        COLD_STARTS[variant].what,
        runs.map((ms) => fmt(ms)).join(', '),
        fmt(median(runs)),
      ]),
      ['l', 'l', 'r'],
    ),
  );
  return lines.join('\n');
}

await runScript(async () => {
  const coldOnly = settings.only === 'cold-start';
  if (!['all', 'cold-start'].includes(settings.only)) throw new Error(`--only ${settings.only}: cold-start`);
  if (!coldOnly) {
    await requirePinning([TARGET_CPU, LOAD_CPU]);
    await requireWrk();
  }
  if (!Number.isInteger(settings.rounds) || settings.rounds < 1) throw new Error('--rounds: a whole number >= 1');
  if (!['one', 'many', 'both'].includes(settings.keys)) throw new Error(`--keys ${settings.keys}: one, many or both`);
  const redis = await sectionRedis(redisOption);
  await pinProcess(process.pid, LOAD_CPU);
  await pinRedis(redis.port, LOAD_CPU);
  await restoreCodeCache();
  const context = { redis, databaseUrl: await createDatabase() };
  const results = {
    closed: {},
    open: {},
    rates: {},
    coldStarts: Object.fromEntries(Object.keys(COLD_STARTS).map((variant) => [variant, []])),
  };
  if (!coldOnly) for (let n = 1; n <= settings.rounds; n++) await round(context, results, n);
  for (let n = 1; n <= settings.coldStarts; n++) {
    for (const variant of Object.keys(COLD_STARTS)) {
      results.coldStarts[variant].push(await coldStart(context, variant));
      progress(`cold start ${n}, ${variant}: ${fmt(results.coldStarts[variant].at(-1))} ms`);
    }
  }
  const redisVersion = /redis_version:(\S+)/.exec(await cli(redis.port, 'info', 'server'))[1];
  console.log(
    report(results, {
      command: commandLine('pinned.mjs'),
      tool: coldOnly ? undefined : await wrkVersion(),
      redisVersion,
      coldOnly,
    }),
  );
});
