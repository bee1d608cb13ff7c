// `node bench/robustness.mjs [--quick] [--runs <n>] [--seed <n>] [--redis <url>]` (run by
// `npm run bench`): the robustness run at full length, 10,000 hostile inputs (`--quick`: 500)
// across every route, with the generators and properties of test/robustness/robustness.mjs (the
// same ones `npm test` runs a few hundred of).
//
// One service node (`node dist/main.js`, built first if dist/ is missing) on a fresh Postgres
// database and the given Redis (default 127.0.0.1:6379), trusting loopback's X-Forwarded-For so
// the failing logins of the run (each from a fresh address) never lock the valid ones out. Each
// route and input family is one `fc.assert`; when it fails, the shrunk counterexample is reported
// and the cell's remaining inputs are still sent and counted (a survey, no shrinking), so every
// 5xx of the 10,000 is counted and each kind of failure gets a reproduction. Afterwards: the same
// process must answer /health/live, every stored rule must pass the service's own validator, and
// the node's heap after a full GC must not have grown by more than HEAP_GROWTH_LIMIT.
//
// Prints one markdown section on stdout, progress on stderr; exits 1 when a property failed.
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  cellsOf,
  createContext,
  loggedError,
  problemKind,
  ROUTES,
  routeLabel,
  runCell,
  seedRules,
  storedRuleProblems,
  surveyCell,
  warmUp,
} from '../test/robustness/robustness.mjs';
import { defer, runScript } from './support/cleanup.mjs';
import { commandLine, option, progress, quick, redisOption } from './support/options.mjs';
import { metrics, metricsAfterFullGc, metricSum } from './support/nodes.mjs';
import { freePort } from './support/ports.mjs';
import { createDatabase } from './support/postgres.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(option('runs', quick ? 500 : 10_000));
const SEED = Number(option('seed', 20_260_601));
const REDIS_URL = redisOption ?? 'redis://127.0.0.1:6379';
const BODY_LIMIT = 65_536;
const MiB = 1024 * 1024;
/** Shrinking a failure sends one request per step: bounded, fast-check reports the case shrunk so far. */
const CELL_TIME_LIMIT_MS = 120_000;

/**
 * Heap growth allowed across the run, after a full GC on both sides, the baseline taken after a
 * warm-up of 200 inputs of every family (so code V8 optimised as it got hot, and caches, are in
 * it). What the node may keep grows with the run only within fixed bounds: at most ~200 rules in
 * its snapshot (valid names come from a set of 200), the denial cache (10,000 entries at most,
 * and this run is rarely refused), metrics whose labels are bounded (routes, statuses, rule
 * names): a few MiB at most. A leak of anything a request carries (its body, its Fastify request
 * and reply, its socket: several KiB each) over 10,000 inputs is tens of MiB; 8 MiB is 840 bytes
 * per input. With --quick (500 inputs) only leaks of 16 KiB or more per request stand out.
 */
const HEAP_GROWTH_LIMIT = 8 * MiB;

const ADMIN_TOKEN = `robustness-${randomBytes(12).toString('hex')}`;
const READONLY_TOKEN = `robustness-read-${randomBytes(12).toString('hex')}`;
const RUN_ID = randomBytes(4).toString('hex');

function buildIfMissing() {
  if (existsSync(new URL('../dist/main.js', import.meta.url))) return;
  progress('dist/ is missing: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', process.stderr, process.stderr] });
}

/**
 * The node: `{ url, proc, errors }`, `errors` being the errors it logged (newest last). Its JSON
 * logs (LOG_LEVEL=error) are read for them; its stderr goes to ours.
 */
async function startNode(databaseUrl) {
  const preload = fileURLToPath(new URL('./support/gc-on-signal.mjs', import.meta.url));
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort(4700, 4899);
    const proc = spawn(process.execPath, ['--import', preload, 'dist/main.js'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ID: `robustness-${port}`,
        DATABASE_URL: databaseUrl,
        ADMIN_TOKEN,
        ADMIN_READONLY_TOKEN: READONLY_TOKEN,
        REDIS_URL,
        RATE_LIMIT_KEY_PREFIX: `robustness${RUN_ID}`,
        TRUSTED_PROXIES: 'loopback',
        BODY_LIMIT_BYTES: String(BODY_LIMIT),
        LOG_LEVEL: 'error',
      },
    });
    const errors = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      let parsed;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      const error = loggedError(parsed);
      if (error !== undefined) errors.push(error);
      if (errors.length > 100) errors.shift();
    });
    defer(() => stopProcess(proc));
    const url = `http://127.0.0.1:${port}`;
    if (await becameReady(url, proc)) return { url, proc, errors };
    await stopProcess(proc);
    progress(`the node on ${port} did not start (port taken?): again on another port`);
  }
  throw new Error('the node exited before it was ready, 3 times (its stderr is above)');
}

/** Ready (and ours: it knows our token), or false when it exited first. */
async function becameReady(url, proc) {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) return false;
    try {
      if ((await fetch(`${url}/health`)).status === 200) {
        const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
        return (await fetch(`${url}/v1/admin/rules/version`, { headers })).status === 200;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`the node at ${url} did not become ready within a minute`);
}

async function stopProcess(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = sleep(15_000, undefined, { ref: false }).then(() => proc.kill('SIGKILL'));
  await Promise.race([exited, timer]);
}

function isRunning(proc) {
  return proc.exitCode === null && proc.signalCode === null;
}

/** The node's used heap after a full GC (SIGUSR2, see support/gc-on-signal.mjs). */
const heapAfterGc = async (node) => metricSum(await metricsAfterFullGc(node), 'nodejs_heap_size_used_bytes');

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const mib = (bytes) => `${fmt(bytes / MiB, 1)} MiB`;
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** 2xx, 4xx, 5xx and unanswered counts of a statuses record. */
function classes(statuses) {
  const out = { '2xx': 0, '4xx': 0, '5xx': 0, none: 0 };
  for (const [status, n] of Object.entries(statuses)) {
    if (status === 'none') out.none += n;
    else if (/^\d+$/.test(status)) out[`${status[0]}xx`] = (out[`${status[0]}xx`] ?? 0) + n;
  }
  return out;
}

function addInto(target, statuses) {
  for (const [status, n] of Object.entries(statuses)) target[status] = (target[status] ?? 0) + n;
}

await runScript(async () => {
  buildIfMissing();
  const { validateRuleBody } = await import('../dist/rules/validate-rule-body.js');
  const node = await startNode(await createDatabase());
  progress(`node ready at ${node.url} (pid ${node.proc.pid}); ${RUNS} inputs, seed ${SEED}`);
  const ctx = createContext({
    url: node.url,
    adminToken: ADMIN_TOKEN,
    readonlyToken: READONLY_TOKEN,
    bodyLimit: BODY_LIMIT,
    validateRuleBody,
    serverError: async () => {
      // The node's stdout arrives through a pipe, a moment after its answer.
      await sleep(30);
      return node.errors.at(-1);
    },
  });
  const isAlive = async () => {
    if (!isRunning(node.proc)) return false;
    try {
      return (await fetch(`${node.url}/health/live`, { signal: AbortSignal.timeout(5_000) })).status === 200;
    } catch {
      return false;
    }
  };

  await seedRules(ctx);
  await warmUp(ctx, { seed: SEED + 1 });
  const heapBefore = await heapAfterGc(node);
  progress(`warmed up; heap after GC ${mib(heapBefore)}`);

  const started = Date.now();
  const results = [];
  const kinds = new Map();
  let crashed = false;
  for (const c of cellsOf(ROUTES, RUNS)) {
    const result = await runCell(ctx, c, { seed: SEED, timeLimitMs: CELL_TIME_LIMIT_MS, isAlive });
    const row = { ...result, statuses: { ...result.statuses }, surveyed: 0 };
    if (result.failure !== undefined) {
      const kind = problemKind(result.failure.problem ?? result.failure.report);
      const shrunk = { problem: result.failure.problem, reproduction: result.failure.reproduction };
      const known = kinds.get(kind);
      if (known === undefined)
        kinds.set(kind, { kind, count: 1, ...shrunk, report: result.failure.report, cells: [c.name] });
      else {
        known.count++;
        known.cells.push(c.name);
        // A shrunk case reproduces better than a surveyed one.
        if (known.report === undefined) Object.assign(known, shrunk, { report: result.failure.report });
      }
      progress(`FAILED ${c.name} after ${result.inputs} inputs (${result.shrinks} shrinks): ${kind}`);
      if (result.failure.crashed || !(await isAlive())) {
        crashed = true;
        results.push(row);
        break;
      }
      const survey = await surveyCell(ctx, c, { seed: SEED + 7, runs: Math.max(0, c.runs - result.inputs) });
      row.surveyed = survey.inputs;
      addInto(row.statuses, survey.statuses);
      for (const found of survey.problems) {
        const known = kinds.get(found.kind);
        if (known === undefined) kinds.set(found.kind, { ...found, cells: [c.name] });
        else {
          known.count += found.count;
          if (!known.cells.includes(c.name)) known.cells.push(c.name);
        }
      }
    }
    results.push(row);
    const done = results.reduce((sum, r) => sum + r.inputs + r.surveyed, 0);
    progress(`${c.name}: ${row.inputs + row.surveyed} inputs ${JSON.stringify(row.statuses)} (${done}/${RUNS})`);
    if (!(await isAlive())) {
      crashed = true;
      break;
    }
  }
  const seconds = (Date.now() - started) / 1000;

  // After the run: the same process, its readiness (the rules still load), every stored rule.
  const alive = await isAlive();
  let health = 'not asked (the node is gone)';
  let reloadFailures = NaN;
  let stored = { checked: 0, problems: [{ id: '-', problems: ['not read: the node is gone'] }] };
  let heapAfter = NaN;
  if (alive) {
    health = String((await fetch(`${node.url}/health`)).status);
    reloadFailures = metricSum(await metrics(node), 'floodgate_rules_reloads_total', 'result="failure"');
    stored = await storedRuleProblems(ctx);
    heapAfter = await heapAfterGc(node);
  }
  const growth = heapAfter - heapBefore;
  const failedCells = results.filter((r) => r.failure !== undefined);
  const ok =
    alive &&
    !crashed &&
    failedCells.length === 0 &&
    health === '200' &&
    reloadFailures === 0 &&
    stored.problems.length === 0 &&
    growth < HEAP_GROWTH_LIMIT;

  // Per route: inputs (generated and surveyed) and answers by class.
  const byRoute = new Map(ROUTES.map((route) => [routeLabel(route), { inputs: 0, statuses: {}, failed: [] }]));
  for (const r of results) {
    const row = byRoute.get(r.route);
    row.inputs += r.inputs + r.surveyed;
    addInto(row.statuses, r.statuses);
    if (r.failure !== undefined) row.failed.push(r.family);
  }
  const total = { inputs: 0, statuses: {} };
  const lines = [
    '## Robustness',
    '',
    `${fmt(RUNS)} hostile inputs generated by fast-check (\`test/robustness/robustness.mjs\`, the generators and properties \`npm test\` runs a few hundred of) across every route, against one node (\`node dist/main.js\`, Redis, a fresh Postgres database, \`BODY_LIMIT_BYTES=${BODY_LIMIT}\`): malformed, oversized, wrongly typed and hostile bodies (unicode with lone surrogates, RTL and zero-width marks, control characters, glob and Redis syntax, numbers at every edge, deep nesting, duplicate and prototype keys, bodies just under and over the limit), ids, query strings, headers and credentials, content types and charsets, and protocol-level oddities over a raw socket. Properties: no 5xx; every 4xx in the error shape (\`field\` and \`reason\` on input errors); every request that speaks HTTP answered; no invalid rule stored; the same process alive afterwards; the heap flat. Took ${fmt(seconds)} s.`,
    '',
    '| route | inputs | 2xx | 4xx | 5xx | unanswered (protocol errors) | failed families |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const [label, row] of byRoute) {
    const c = classes(row.statuses);
    total.inputs += row.inputs;
    addInto(total.statuses, row.statuses);
    lines.push(
      `| \`${label}\` | ${fmt(row.inputs)} | ${fmt(c['2xx'])} | ${fmt(c['4xx'])} | ${fmt(c['5xx'])} | ${fmt(c.none)} | ${row.failed.join(', ') || '-'} |`,
    );
  }
  const t = classes(total.statuses);
  lines.push(
    `| **all** | **${fmt(total.inputs)}** | ${fmt(t['2xx'])} | ${fmt(t['4xx'])} | **${fmt(t['5xx'])}** | ${fmt(t.none)} | ${failedCells.length} of ${results.length} cells |`,
    '',
    `- **5xx answers: ${fmt(t['5xx'])}**; failed properties: ${failedCells.length} of ${results.length} route × family cells${crashed ? ' (the run stopped: the node died)' : ''}.`,
    `- **Crashes: ${alive && !crashed ? 0 : 1}**: ${alive ? `the same process (pid ${node.proc.pid}) answered \`/health/live\` after the run; \`/health\` ${health}; failed rule reloads ${reloadFailures}` : 'the node was gone after the run'}.`,
    `- **Invalid rules stored: ${stored.problems.length}** of ${stored.checked} read back (listed, read by id, their history, each through the service's own \`validateRuleBody\`).`,
    `- **Heap** (node, used, after a full GC): ${mib(heapBefore)} before, ${mib(heapAfter)} after, growth ${mib(growth)} (bound ${mib(HEAP_GROWTH_LIMIT)}: under 840 bytes per input over 10,000; see HEAP_GROWTH_LIMIT in the script).`,
    `- Statuses: ${Object.entries(total.statuses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status} ${fmt(n)}`)
      .join(
        ', ',
      )} (\`protocol-400\`: a 400 from Fastify before any route, \`bare-4xx\`: Node's HTTP parser refusing a request that is not HTTP; not counted again in 4xx).`,
    `- Seed ${SEED}: each cell's fast-check seed derives from it and its name, so a failing cell replays alone. Command: \`${commandLine('robustness.mjs')}\`.`,
  );
  if (kinds.size > 0) {
    lines.push('', '### Failures', '');
    lines.push(
      'Each kind of failure once, with the inputs it hit (a failing cell stops at its first failure, shrinks it, then sends its remaining inputs without stopping). `$URL` is the node, `$ADMIN_TOKEN` its admin token.',
    );
    for (const kind of kinds.values()) {
      lines.push(
        '',
        `- **${cell(kind.problem?.split('\n')[0] ?? kind.kind)}** (${fmt(kind.count)} input${kind.count === 1 ? '' : 's'}; ${kind.cells.map((name) => `\`${name}\``).join(', ')})`,
      );
      if (kind.report !== undefined) {
        const counterexample = /Counterexample: (.*)/.exec(kind.report)?.[1];
        const seedLine = /\{ seed: .*\}/.exec(kind.report)?.[0];
        if (counterexample !== undefined)
          lines.push(`  - shrunk counterexample: \`${cell(counterexample)}\` ${seedLine ?? ''}`);
      }
      if (kind.reproduction !== undefined) lines.push('', '  ```sh', `  ${kind.reproduction}`, '  ```');
    }
  }
  if (stored.problems.length > 0) {
    lines.push('', '### Invalid stored rules', '');
    for (const p of stored.problems)
      lines.push(`- \`${p.id}\` ${cell(String(p.name ?? ''))}: ${cell(p.problems.join('; '))}`);
  }
  console.log(lines.join('\n'));
  progress(ok ? 'every property held' : 'a property failed (see the section)');
  if (!ok) process.exitCode = 1;
});
