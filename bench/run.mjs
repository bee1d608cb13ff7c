// `npm run bench [-- --quick]`: the limiter's cost, measured side by side in one run.
//
// Every variant is a separate server process; the load comes from this process (autocannon, fixed
// concurrency, closed loop). Variants run interleaved in rounds (A B C D, A B C D, ...) so drift on
// the machine hits them all alike; each round's ratios are against that round's baseline. The
// numbers land in BENCHMARKS.md with the machine, the date and the command.
import autocannon from 'autocannon';
import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = option('rounds', 3);
const duration = option('duration', quick ? 4 : 10);
const connections = option('connections', 50);
const REDIS_PORT = 6396;
const redisUrl = `redis://127.0.0.1:${REDIS_PORT}`;

if (!existsSync(new URL('../dist/main.js', import.meta.url))) {
  throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does it for you)');
}

const VARIANTS = [
  { name: 'baseline', what: 'Fastify route, no limiter', kind: 'route' },
  { name: 'allow', what: '@RateLimit() on Redis, limit never reached', kind: 'route' },
  { name: 'block', what: '@RateLimit() on Redis, every request over the limit (429)', kind: 'route' },
  { name: 'memory-allow', what: '@RateLimit() on the memory store, limit never reached', kind: 'route' },
  { name: 'check-allow', what: 'POST /v1/check on Redis, allowed', kind: 'check', limit: 1_000_000_000 },
  { name: 'check-block', what: 'POST /v1/check on Redis, denied (429)', kind: 'check', limit: 1 },
];

function redisCli(...cmd) {
  return execFileSync('redis-cli', ['-p', String(REDIS_PORT), ...cmd], { encoding: 'utf8' });
}

async function startRedis() {
  try {
    redisCli('shutdown', 'nosave');
  } catch {
    /* nothing was running there */
  }
  const proc = spawn(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if (redisCli('ping').trim() === 'PONG') return proc;
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  throw new Error('redis-server did not start');
}

function scriptCalls() {
  const stats = redisCli('info', 'commandstats');
  let calls = 0;
  for (const m of stats.matchAll(/^cmdstat_(?:evalsha|eval|fcall):calls=(\d+)/gm)) calls += Number(m[1]);
  return calls;
}

// The service's first start creates its embedded Postgres (several seconds): allow a minute.
async function waitForHttp(url) {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  throw new Error(`${url} did not come up`);
}

async function startTarget(variant, port) {
  let proc;
  if (variant.kind === 'route') {
    proc = fork(new URL('./server.mjs', import.meta.url), [variant.name, String(port), redisUrl], { stdio: 'inherit' });
  } else {
    proc = spawn(process.execPath, ['dist/main.js'], {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redisUrl,
        DEFAULT_LIMIT: String(variant.limit),
        DEFAULT_WINDOW_MS: '3600000',
        LOG_LEVEL: 'warn',
      },
    });
  }
  await waitForHttp(`http://127.0.0.1:${port}/health/live`);
  return proc;
}

async function stopTarget(proc) {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(5_000).then(() => proc.kill('SIGKILL'))]);
}

const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1; only a missing binary is "absent".
    return error.code !== 'ENOENT';
  }
})();
const loadTool = hasWrk ? 'wrk (1 thread)' : 'autocannon';

/** One closed-loop load run: requests/s, p50/p99 latency in ms, and counts. */
async function load(variant, port, seconds) {
  const check = variant.kind === 'check';
  const url = `http://127.0.0.1:${port}${check ? '/v1/check' : '/hello'}`;
  const body = JSON.stringify({ clientId: 'bench-client', resource: 'bench' });
  if (hasWrk) return wrk(url, check ? body : undefined, seconds);
  const r = await autocannon({
    url,
    method: check ? 'POST' : 'GET',
    headers: check ? { 'content-type': 'application/json' } : {},
    body: check ? body : undefined,
    connections,
    duration: seconds,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

// wrk (C, one thread) leaves the server the CPU it needs on a 2-core machine; autocannon, in Node,
// saturates its own core first and so understates the server's capacity.
function wrk(url, body, seconds) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url];
  if (body) args.unshift('-s', fileURLToPath(new URL('./post-check.lua', import.meta.url)));
  const out = execFileSync('wrk', args, { encoding: 'utf8', env: { ...process.env, WRK_BODY: body ?? '' } });
  const ms = (label) => {
    const m = out.match(new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, 'm'));
    if (!m) throw new Error(`wrk printed no ${label}% latency:\n${out}`);
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const total = Number(out.match(/(\d+) requests in/)[1]);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const socketErrors = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  return {
    rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: ms('50'),
    p99: ms('99'),
    total,
    ok: total - non2xx,
    non2xx,
    errors: socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let hotReload = '';

async function main() {
  const redis = await startRedis();
  const results = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
  let port = 4100;
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of VARIANTS) {
        port += 1;
        const proc = await startTarget(variant, port);
        try {
          const callsBefore = scriptCalls();
          const warm = await load(variant, port, 1);
          const run = await load(variant, port, duration);
          const calls = scriptCalls() - callsBefore;
          const row = { round, ...run, scriptCallsPerRequest: calls / (warm.total + run.total) };
          results[variant.name].push(row);
          console.log(
            `round ${round} ${variant.name.padEnd(13)} ${row.rps.toFixed(0).padStart(7)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  2xx ${row.ok} non-2xx ${row.non2xx}  scripts/req ${row.scriptCallsPerRequest.toFixed(3)}`,
          );
        } finally {
          await stopTarget(proc);
        }
      }
    }
    // On the same Redis, before it stops: how fast a rule change reaches every node.
    hotReload = execFileSync(
      process.execPath,
      [
        fileURLToPath(new URL('./hot-reload.mjs', import.meta.url)),
        '--redis',
        redisUrl,
        '--changes',
        quick ? '20' : '100',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    ).trim();
  } finally {
    redis.kill('SIGTERM');
  }
  writeReport(results);
}

function writeReport(results) {
  const baseline = results.baseline;
  const lines = [];
  const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const cpu = os.cpus();
  const redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1];
  lines.push('# Benchmarks', '');
  lines.push(
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu.length} x ${cpu[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Redis ${redisVersion} (its own redis-server on a loopback port).`,
    '',
  );
  lines.push(
    `Command: \`npm run bench${quick ? ' -- --quick' : ''}\` (${rounds} rounds, ${duration} s per variant per round after a 1 s warm-up, ${connections} connections, load from ${loadTool} in a separate process from the server, variants interleaved per round). Ratios compare each variant with the baseline of the same round; the table shows their median and the rounds' min-max.`,
    '',
  );
  lines.push(
    '| variant | what | req/s (median) | min-max | ratio to baseline | p50 ms | p99 ms | script calls per request |',
  );
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const variant of VARIANTS) {
    const rows = results[variant.name];
    const rps = rows.map((r) => r.rps);
    const ratios = rows.map((r, i) => r.rps / baseline[i].rps);
    const calls =
      variant.name === 'baseline' || variant.name === 'memory-allow'
        ? '-'
        : fmt(median(rows.map((r) => r.scriptCallsPerRequest)), 3);
    lines.push(
      `| ${variant.name} | ${variant.what} | ${fmt(median(rps))} | ${fmt(Math.min(...rps))}-${fmt(Math.max(...rps))} | ${fmt(median(ratios), 2)}x | ${median(rows.map((r) => r.p50))} | ${median(rows.map((r) => r.p99))} | ${calls} |`,
    );
  }
  lines.push('');
  lines.push(
    '`check-*` rows are the whole service (`node dist/main.js`, LOG_LEVEL=warn) answering `POST /v1/check`: decisions per second per node. Their ratio is against the bare route, for orientation only.',
  );
  lines.push(
    'Script calls per request come from Redis `INFO commandstats` (EVALSHA + EVAL) over all requests of the run: 1.000 means one Redis round trip per decision; near 0 on the block path means denials are answered from node memory.',
  );
  lines.push('');
  const errors = Object.values(results)
    .flat()
    .reduce((n, r) => n + r.errors, 0);
  lines.push(`Socket errors and timeouts over the whole run: ${errors}.`, '');
  lines.push('## Hot reload', '', 'From `node bench/hot-reload.mjs` (run by `npm run bench`):', '', hotReload, '');
  lines.push('## Redis memory per tracked client', '');
  lines.push('From `node bench/memory.mjs` (run by `npm run bench`):', '');
  lines.push(
    execFileSync(process.execPath, [fileURLToPath(new URL('./memory.mjs', import.meta.url))], {
      encoding: 'utf8',
    }).trim(),
    '',
  );
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
