// Floodgate service nodes for the bench scripts: `node dist/main.js` processes on free loopback
// ports, sharing one Redis and a fresh, migrated Postgres database that is dropped at clean-up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { defer } from './cleanup.mjs';
import { progress } from './options.mjs';
import { freePort } from './ports.mjs';
import { createDatabase } from './postgres.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PORTS = [4700, 4899];

if (!existsSync(new URL('../../dist/main.js', import.meta.url))) {
  throw new Error('dist/main.js is missing: run `npm run build` first');
}

/** The admin token of every node this process starts. */
const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`;

/** The counters' key prefix (RATE_LIMIT_KEY_PREFIX) of every node this process starts: unique to this run. */
export const KEY_PREFIX = `bench${randomBytes(4).toString('hex')}`;

/** Keys this process's nodes write to Redis: its counters and the rule set's snapshot. */
export const SERVICE_KEY_PATTERNS = [`${KEY_PREFIX}:*`, 'floodgate:rules:snapshot'];

const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

/**
 * Waits until the node at `url` is ready: true, or false when it exited first or the server
 * answering there is not ours (another process took the port since it was found free: its admin
 * token is not ours).
 */
async function becameReady(url, proc) {
  // Generous: two cores starting three nodes and a load generator can be slow.
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) return false;
    try {
      if ((await fetch(`${url}/health`)).status === 200) {
        return (await fetch(`${url}/v1/admin/rules/version`, { headers: adminHeaders })).status === 200;
      }
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`the node at ${url} did not become ready`);
}

/**
 * Starts one node and waits until `/health` is ready; stopped (SIGTERM) at clean-up or by
 * `node.stop()`. `env` adds or overrides variables; `nodeArgs` go to `node` before dist/main.js.
 * A node that exits before it is ready (most likely its port was taken) is tried again on
 * another port. `port` asks for that port first (a node restarted where it was). Returns
 * `{ port, url, proc, stop, kill }`, `kill()` being SIGKILL (the crash case), resolved at its exit.
 */
export async function startNode(options) {
  for (let attempt = 1; ; attempt++) {
    const node = await spawnNode(options, attempt === 1 ? options.port : undefined);
    if (await becameReady(node.url, node.proc)) return node;
    await node.stop();
    if (attempt === 3) throw new Error('a node exited before it was ready, 3 times (its stderr is above)');
    progress(`the node on ${node.port} did not start (port taken?): again on another port`);
  }
}

async function spawnNode({ redisUrl, databaseUrl, env = {}, nodeArgs = [] }, wanted) {
  const port = wanted ?? (await freePort(...PORTS));
  const proc = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    cwd: root,
    // stdout is the report's: the node's JSON logs are dropped, its stderr (start failures) shown.
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: `bench-${port}`,
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN,
      REDIS_URL: redisUrl,
      RATE_LIMIT_KEY_PREFIX: KEY_PREFIX,
      // createDatabase() copies a migrated template.
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  let stopped;
  const stop = () => (stopped ??= stopProcess(proc));
  defer(stop);
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };
  return { port, url: `http://127.0.0.1:${port}`, proc, stop, kill };
}

async function stopProcess(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  // Unreferenced: a pending timer would keep this process alive after the node has exited.
  const timer = sleep(15_000, undefined, { ref: false }).then(() => proc.kill('SIGKILL'));
  await Promise.race([exited, timer]);
}

/**
 * `count` nodes on one Redis, started all at once, on `databaseUrl` (a database an earlier call
 * created) or else a fresh one. Returns `{ nodes, databaseUrl }`; `stopNodes(nodes)` stops them
 * before clean-up.
 */
export async function startService({ count, redisUrl, databaseUrl, env = {}, nodeArgs = [] }) {
  databaseUrl ??= await createDatabase();
  const nodes = await Promise.all(
    Array.from({ length: count }, () => startNode({ redisUrl, databaseUrl, env, nodeArgs })),
  );
  progress(`${count} node(s) ready on ${nodes.map((n) => n.port).join(', ')}`);
  return { nodes, databaseUrl };
}

/** Stops these nodes now (SIGTERM, in parallel); their database stays until clean-up. */
export async function stopNodes(nodes) {
  await Promise.all(nodes.map((node) => node.stop()));
}

/**
 * One admin call through `node` that may fail: `{ status, body }`, status 0 and body the error's
 * message when no answer came within `timeoutMs`.
 */
export async function adminFetch(node, method, path, body, timeoutMs = 10_000) {
  try {
    const res = await fetch(`${node.url}/v1/admin${path}`, {
      method,
      headers: body === undefined ? { authorization: adminHeaders.authorization } : adminHeaders,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) };
  }
}

async function adminCall(node, method, path, body, expected) {
  const res = await fetch(`${node.url}/v1/admin${path}`, { method, headers: adminHeaders, body: JSON.stringify(body) });
  const answer = await res.json();
  if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Creates an admin rule through `node` (POST /v1/admin/rules); the created rule. */
export function createRule(node, rule) {
  return adminCall(node, 'POST', '/rules', rule, 201);
}

/** Changes an admin rule through `node` (PATCH /v1/admin/rules/:id); the changed rule. */
export function patchRule(node, id, changes) {
  return adminCall(node, 'PATCH', `/rules/${id}`, changes, 200);
}

/**
 * One `POST /v1/check`: `{ status, failedOpen, body }`, failedOpen when the node let it through
 * because Redis did not answer in time (X-RateLimit-Failed-Open).
 */
export async function check(node, request) {
  const res = await fetch(`${node.url}/v1/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  return {
    status: res.status,
    failedOpen: res.headers.get('x-ratelimit-failed-open') === 'true',
    body: await res.json(),
  };
}

/** Waits until every node answers `resource` with the rule named `name` (a cost-0 check). */
export async function waitForRule(nodes, resource, name) {
  for (const node of nodes) {
    for (let i = 0; (await check(node, { clientId: 'probe', resource, cost: 0 })).body.rule !== name; i++) {
      if (i === 200) throw new Error(`${node.url} never applied the rule ${name}`);
      await sleep(50);
    }
  }
}

/**
 * The sum of a metric's series in a /metrics text, over the series whose labels contain every one
 * of `labels` (e.g. `'outcome="failed_open"'`); 0 when none is exposed yet.
 */
export function metricSum(text, name, ...labels) {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name && labels.every((label) => (match[2] ?? '').includes(label))) sum += Number(match[3]);
  }
  return sum;
}

/** The node's Prometheus metrics text (`GET /metrics`); a node that does not answer in 10 s fails the run. */
export async function metrics(node) {
  return (await fetch(`${node.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
}

/**
 * Runs a full GC in `node` (started with `--import bench/support/gc-on-signal.mjs`) and resolves
 * its `/metrics` text once the node reports one more major GC than before. The signal goes again
 * every second until then (5 at most): in one full run the node reported no major GC within 5 s of
 * a single signal, and the section failed.
 */
export async function metricsAfterFullGc(node) {
  const majorGcs = (text) => metricSum(text, 'nodejs_gc_duration_seconds_count', 'kind="major"');
  const before = majorGcs(await metrics(node));
  for (let signal = 0; signal < 5; signal++) {
    node.proc.kill('SIGUSR2');
    for (let poll = 0; poll < 20; poll++) {
      const text = await metrics(node);
      if (majorGcs(text) > before) return text;
      await sleep(50);
    }
  }
  throw new Error('the node reported no full GC after 5 SIGUSR2 signals, a second apart');
}
