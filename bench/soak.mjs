// `npm run soak [-- --quick] [-- --duration <s>] [-- --fail-mode open|closed]` (`node bench/soak.mjs`
// once built; not part of `npm test` nor of `npm run bench`): three service nodes under mixed load
// while everything they depend on breaks once, then a verdict.
//
// Three nodes (`node dist/main.js`, with bench/support/gc-on-signal.mjs preloaded) on a
// redis-server of the soak's own (a port in 7300-7399) and a fresh Postgres database reached
// through a TCP proxy (test/support/tcp-proxy.mjs). For `--duration` seconds (default 180,
// `--quick` 60) they answer `POST /v1/check` (100 clients over 9 resources, and one client far over
// a fixed-window rule: the measured key), the guarded entry `GET /v1/check/auth-request` (50
// addresses), and one admin write a second (rule updates, rule creates and deletes, blocks created
// and lifted), round-robin over the nodes that are up. During the run: Redis is SIGKILLed and
// restarted empty, Postgres is cut at the proxy and restored, one node is SIGKILLed and restarted.
//
// Asserted afterwards, each a row of the printed table (exit code 1 when one fails):
// - no 5xx from a check (either entry); with `--fail-mode closed` a 503 with Retry-After while
//   Redis is down is that mode's answer, counted apart, and a 5xx at any other time still fails;
// - every acknowledged (2xx) admin write present afterwards: each rule write in the rule's history
//   with the limits it wrote, each rule's current version and limits those of its last
//   acknowledged write, each acknowledged block readable (and each acknowledged delete gone);
// - the measured key's admissions per window within the documented bound (see windowBound);
// - every node enforcing the last change's rules version within 5 s, and the registry
//   (`GET /v1/admin/nodes`) listing the three with it within one heartbeat more;
// - each node's heap after a full GC within 10% of its own start (after a warm-up);
// - Redis DBSIZE within what the identities and rules used since the Redis restart explain.
//
// Prints one markdown section on stdout, progress on stderr.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startTcpProxy } from '../test/support/tcp-proxy.mjs';
import { defer, runScript } from './support/cleanup.mjs';
import {
  KEY_PREFIX,
  adminFetch,
  createRule,
  metrics,
  metricsAfterFullGc,
  metricSum,
  startNode,
} from './support/nodes.mjs';
import { commandLine, option, progress, quick } from './support/options.mjs';
import { createDatabase } from './support/postgres.mjs';
import { startRedis } from './support/redis.mjs';
import { fmt, table } from './support/stats.mjs';

const DURATION_S = Number(option('duration', quick ? '60' : '180'));
/** The shipped default is `open`; `closed` is there to see how the same run reads in that mode. */
const FAIL_MODE = option('fail-mode', 'open');
if (!Number.isFinite(DURATION_S) || DURATION_S < 40) throw new Error('--duration must be a number of seconds >= 40');
if (!['open', 'closed'].includes(FAIL_MODE)) throw new Error('--fail-mode must be open or closed');

const REDIS_PORTS = [7300, 7399];
const NODES = 3;
const CLIENTS = 100;
const ITEM_RULES = 5;
const NEW_RESOURCES = 3;
const GUARDED_ADDRESSES = 50;
/** The measured key: one client sending MEASURED_RATE checks a second against a fixed window of L per W. */
const MEASURED = {
  name: 'soak-measured',
  resource: 'POST /soak/measured',
  clientId: 'soak-heavy',
  limit: 20,
  windowMs: 2_000,
};
const MEASURED_INTERVAL_MS = 25;
/** Offered load, paced per worker: enough to keep three nodes busy on two shared cores, not to saturate them. */
const CHECK_WORKERS = 4;
const CHECK_INTERVAL_MS = 10;
const GUARDED_WORKERS = 2;
const GUARDED_INTERVAL_MS = 15;
const REQUEST_TIMEOUT_MS = 10_000;
const HEAP_GROWTH_LIMIT = 0.1;
const CONVERGENCE_LIMIT_MS = 5_000;
/** Nodes write their registry entry (with the rules version they enforce) every 5 s (DEFAULT_HEARTBEAT_INTERVAL_MS). */
const HEARTBEAT_MS = 5_000;
const MiB = 2 ** 20;

/** When each fault happens, in seconds from the start of the load; the warm-up ends before the first. */
const D = DURATION_S;
const PLAN = {
  warmUpS: quick ? 6 : 10,
  redisKillS: Math.round(0.2 * D),
  redisDownS: quick ? 3 : 5,
  pgCutS: Math.round(0.4 * D),
  pgDownS: quick ? 5 : 10,
  nodeKillS: Math.round(0.6 * D),
  nodeDownS: 3,
  /** The restarted node's heap baseline: this long after it is ready again, under load. */
  victimWarmUpS: quick ? 6 : 10,
};
const VICTIM = NODES - 1;

const now = () => Date.now();

/** The commit measured, as the report names it; what is edited while the soak runs was not built into it. */
function measuredCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty === '' ? sha : `${sha} with uncommitted changes`;
  } catch {
    return 'unknown';
  }
}
const COMMIT = measuredCommit();
const sec = (ms) => `${fmt(ms / 1000, 1)} s`;
const mib = (bytes) => `${fmt(bytes / MiB, 1)} MiB`;

// ---------------------------------------------------------------------------------------------
// What the run records.

/** Process lifetimes `{ from, to }` (epoch ms; `to` undefined while alive): Redis's and each node slot's. */
const redisLives = [];
const nodeLives = Array.from({ length: NODES }, () => []);
/** `{ at, what }` for the report. */
const timeline = [];
const mark = (what) => {
  timeline.push({ at: now(), what });
  progress(what);
};
/** The Postgres cut `{ from, to }`. */
const pgCut = {};
/** Redis outages `{ from, to }`: from the kill until enforcement is back (the first Redis-decided answer after). */
const redisOutages = [];

const checks = {
  '/v1/check': { sent: 0, statuses: {}, failedOpen: 0 },
  '/v1/check/auth-request': { sent: 0, statuses: {}, failedOpen: 0 },
};
const problems = { serverErrors: [], unanswered: [], unexpected: [], failedClosed: 0, expectedResets: 0 };
/** `rule\0identity` of every answer Redis decided, with the time of the last one. */
const pairs = new Map();
/** The measured key's admitted checks per window index: `{ redis, failedOpen }`. */
const measuredWindows = new Map();
let measuredOtherRule = 0;
/** Every admin write: `{ at, kind, status, target, expect }`. */
const writes = [];
const registrySamples = [];

const slots = [];
const up = Array.from({ length: NODES }, () => false);
let running = true;
let nextNode = 0;

/** The next node that is up, round-robin: what a load balancer would pick. */
function pickNode() {
  for (let i = 0; i < NODES; i++) {
    const index = nextNode++ % NODES;
    if (up[index]) return index;
  }
  return 0;
}

/** Whether slot `index` was down (killed, not yet ready again) at `at`, or within 1 s of its kill. */
function nodeWasDown(index, at) {
  return nodeLives[index].some((life, i, lives) => {
    const next = lives[i + 1];
    return life.to !== undefined && at >= life.to - 1_000 && (next === undefined || at <= next.readyAt);
  });
}

function redisWasDown(at) {
  return redisOutages.some((o) => at >= o.from && (o.to === undefined || at <= o.to));
}

function parsed(text) {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}

async function request(index, path, init) {
  const sentAt = now();
  try {
    const res = await fetch(`${slots[index].url}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    return { sentAt, status: res.status, headers: res.headers, body: parsed(text) };
  } catch (error) {
    return { sentAt, status: 0, error: error?.cause?.code ?? error?.name ?? String(error) };
  }
}

/** Files one check's answer; `expected` are the statuses a sound node gives it. */
function record(route, index, answer, expected, identity) {
  const c = checks[route];
  c.sent++;
  const key = answer.status === 0 ? 'none' : String(answer.status);
  c.statuses[key] = (c.statuses[key] ?? 0) + 1;
  const failedOpen = answer.headers?.get('x-ratelimit-failed-open') === 'true';
  if (failedOpen) c.failedOpen++;
  const where = { at: answer.sentAt, node: index, route, status: answer.status };
  if (answer.status === 0) {
    if (nodeWasDown(index, answer.sentAt)) problems.expectedResets++;
    else problems.unanswered.push({ ...where, error: answer.error });
  } else if (answer.status >= 500) {
    const closedAnswer =
      FAIL_MODE === 'closed' &&
      answer.status === 503 &&
      answer.headers.get('retry-after') !== null &&
      redisWasDown(answer.sentAt);
    if (closedAnswer) problems.failedClosed++;
    else problems.serverErrors.push({ ...where, body: answer.body });
  } else if (!expected.includes(answer.status)) {
    problems.unexpected.push({ ...where, body: answer.body });
  }
  // An allowed answer that did not fail open is Redis's (a refusal may be the denial cache's or
  // the insurance's): its counter key exists.
  if ((answer.status === 200 || answer.status === 204) && !failedOpen) {
    pairs.set(`${answer.body?.rule ?? 'default'}\0${identity}`, now());
    const outage = redisOutages.at(-1);
    // Enforcement is back once a node answers from Redis again.
    if (outage !== undefined && outage.to === undefined && outage.restartedAt !== undefined) outage.to = now();
  }
  return failedOpen;
}

const postCheck = (index, body) =>
  request(index, '/v1/check', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function checkWorker(seed) {
  for (let i = seed; running; i += 7) {
    const index = pickNode();
    const clientId = `c${(i * 31) % CLIENTS}`;
    const which = i % (ITEM_RULES + NEW_RESOURCES + 1);
    const resource =
      which < ITEM_RULES
        ? `GET /items/${which}`
        : which < ITEM_RULES + NEW_RESOURCES
          ? `GET /new/${which - ITEM_RULES}`
          : 'GET /other';
    record('/v1/check', index, await postCheck(index, { clientId, resource }), [200, 429], clientId);
    await sleep(CHECK_INTERVAL_MS);
  }
}

async function guardedWorker(seed) {
  for (let i = seed; running; i += 3) {
    const index = pickNode();
    const address = `10.0.0.${(i * 7) % GUARDED_ADDRESSES}`;
    const answer = await request(index, '/v1/check/auth-request', {
      headers: { 'x-original-method': 'GET', 'x-original-uri': `/guarded/${i % 4}`, 'x-real-ip': address },
    });
    record('/v1/check/auth-request', index, answer, [204, 429], address);
    await sleep(GUARDED_INTERVAL_MS);
  }
}

/** The measured key: far over its limit all the time; each admitted answer filed under its window. */
async function measuredWorker() {
  while (running) {
    const index = pickNode();
    const answer = await postCheck(index, { clientId: MEASURED.clientId, resource: MEASURED.resource });
    const failedOpen = record('/v1/check', index, answer, [200, 429], MEASURED.clientId);
    if (answer.status === 200) {
      if (answer.body.rule !== MEASURED.name) measuredOtherRule++;
      else {
        // resetAt is the end of the window the decision counted in (Redis's or the insurance's):
        // a fixed window's windows are epoch multiples. A decision without any store has resetAt now.
        const window = Math.ceil(answer.body.resetAt / MEASURED.windowMs) - 1;
        const w = measuredWindows.get(window) ?? { redis: 0, failedOpen: 0 };
        if (failedOpen) w.failedOpen++;
        else w.redis++;
        measuredWindows.set(window, w);
      }
    }
    await sleep(MEASURED_INTERVAL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Admin writes: one a second, round-robin over the nodes that are up.

const itemRules = [];
const createdRules = [];
const blocksInForce = [];

async function write(kind, method, path, body, target, expect) {
  const index = pickNode();
  const at = now();
  const answer = await adminFetch(slots[index], method, path, body);
  const entry = { at, kind, node: index, status: answer.status, target, expect, body: answer.body };
  writes.push(entry);
  return entry;
}

const acked = (entry) => entry.status >= 200 && entry.status < 300;
const itemLimits = (k) => [{ limit: 20 + (k % 40), windowMs: 10_000 }];

/** Tick `k`'s write: three rule updates, one rule create (and a delete), one block (and a lift) in five. */
async function adminTick(k) {
  const kind = ['patch', 'patch', 'patch', 'create', 'block'][k % 5];
  if (kind === 'patch') {
    const rule = itemRules[k % ITEM_RULES];
    const limits = itemLimits(k);
    const entry = await write('rule update', 'PATCH', `/rules/${rule.id}`, { limits }, rule.id, { limits });
    if (acked(entry)) entry.expect.version = entry.body.version;
    return entry;
  }
  if (kind === 'create') {
    const body = {
      name: `soak-new-${k}`,
      match: { resource: `GET /new/${k % NEW_RESOURCES}` },
      limits: [{ limit: 10, windowMs: 5_000 }],
    };
    const entry = await write('rule create', 'POST', '/rules', body, undefined, { limits: body.limits });
    if (acked(entry)) {
      entry.target = entry.body.id;
      entry.expect.version = entry.body.version;
      createdRules.push(entry.body.id);
    }
    if (createdRules.length > 3) {
      const id = createdRules.shift();
      const deleted = await write('rule delete', 'DELETE', `/rules/${id}`, undefined, id, { gone: true });
      if (!acked(deleted)) createdRules.unshift(id);
    }
    return entry;
  }
  const body = { type: 'clientId', value: `soak-blocked-${k}`, durationMs: 3_600_000, reason: 'soak' };
  const entry = await write('block create', 'POST', '/blocks', body, undefined, { value: body.value });
  if (acked(entry)) {
    entry.target = entry.body.id;
    blocksInForce.push(entry.body.id);
  }
  if (blocksInForce.length > 3) {
    const id = blocksInForce.shift();
    const lifted = await write('block delete', 'DELETE', `/blocks/${id}`, undefined, id, { gone: true });
    if (!acked(lifted)) blocksInForce.unshift(id);
  }
  return entry;
}

async function adminWriter(startedAt) {
  for (let k = 1; running; k++) {
    await adminTick(k);
    const next = startedAt + k * 1_000;
    if (next > now()) await sleep(next - now());
  }
}

/** The registry's view once a second: how many nodes it lists, and their rules versions. */
async function registrySampler() {
  while (running) {
    const answer = await adminFetch(slots[pickNode()], 'GET', '/nodes', undefined, 5_000);
    registrySamples.push({ at: now(), status: answer.status, live: answer.body?.items?.length });
    await sleep(1_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Faults.

async function waitUntil(startedAt, s) {
  const at = startedAt + s * 1_000;
  if (at > now()) await sleep(at - now());
}

async function faults(startedAt, { redis, proxy, nodeOptions, heap }) {
  await waitUntil(startedAt, PLAN.redisKillS);
  // Marked down before the kill: answers lost to it arrive before the kill resolves.
  const outage = { from: now() };
  redisOutages.push(outage);
  redisLives.at(-1).to = outage.from;
  await redis.kill();
  mark('Redis SIGKILLed');
  await sleep(PLAN.redisDownS * 1_000);
  await redis.restart();
  outage.restartedAt = now();
  redisLives.push({ from: now() });
  mark('Redis restarted (empty)');

  await waitUntil(startedAt, PLAN.pgCutS);
  proxy.cut();
  const cut = now();
  pgCut.from = cut;
  mark('Postgres cut at the proxy');
  await sleep(PLAN.pgDownS * 1_000);
  proxy.restore();
  pgCut.to = now();
  timeline.push({ at: now(), what: 'Postgres restored' });
  progress(`Postgres restored after ${sec(now() - cut)}`);

  await waitUntil(startedAt, PLAN.nodeKillS);
  up[VICTIM] = false;
  nodeLives[VICTIM].at(-1).to = now();
  await slots[VICTIM].kill();
  mark(`node ${VICTIM + 1} SIGKILLed`);
  await sleep(PLAN.nodeDownS * 1_000);
  const restarting = now();
  slots[VICTIM] = await startNode({ ...nodeOptions, port: slots[VICTIM].port });
  nodeLives[VICTIM].push({ from: restarting, readyAt: now() });
  up[VICTIM] = true;
  mark(`node ${VICTIM + 1} restarted, ready in ${sec(now() - restarting)}`);
  await sleep(PLAN.victimWarmUpS * 1_000);
  heap.before[VICTIM] = await heapAfterGc(slots[VICTIM]);
  progress(`node ${VICTIM + 1} heap baseline after its restart: ${mib(heap.before[VICTIM])}`);
}

const heapAfterGc = async (node) => metricSum(await metricsAfterFullGc(node), 'nodejs_heap_size_used_bytes');

// ---------------------------------------------------------------------------------------------
// Afterwards.

/** Sends one last rule update until acknowledged: its rules version is the one every node must reach. */
async function lastChange() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const entry = await adminTick(5 * 1_000 + 5 * attempt);
    if (acked(entry)) return entry;
    await sleep(500);
  }
  throw new Error('no admin write was acknowledged after the run: the service did not recover');
}

/** Ms from `since` until every node enforces `version` (its own floodgate_rules_version), and the registry lists all three with it. */
async function convergence(version, since) {
  const deadline = since + 30_000;
  const nodesAt = Array.from({ length: NODES }, () => undefined);
  let registryAt;
  let registry = [];
  while (now() < deadline && (nodesAt.includes(undefined) || registryAt === undefined)) {
    await Promise.all(
      slots.map(async (node, i) => {
        if (nodesAt[i] !== undefined) return;
        const enforced = metricSum(await metrics(node), 'floodgate_rules_version');
        if (enforced >= version) nodesAt[i] = now() - since;
      }),
    );
    if (registryAt === undefined) {
      const answer = await adminFetch(slots[0], 'GET', '/nodes', undefined, 5_000);
      registry = answer.body?.items ?? [];
      const ids = new Set(slots.map((n) => `bench-${n.port}`));
      const current = registry.filter((n) => ids.has(n.id) && n.rulesVersion >= version);
      if (current.length === NODES) registryAt = now() - since;
    }
    await sleep(50);
  }
  return { nodesAt, registryAt, registry };
}

const sameLimits = (a, b) =>
  JSON.stringify(a?.map((l) => [l.limit, l.windowMs])) === JSON.stringify(b?.map((l) => [l.limit, l.windowMs]));

/** Reads every acknowledged write back through the API (Postgres behind it): what is missing or wrong. */
async function readBack() {
  const node = slots[0];
  const missing = [];
  let verified = 0;
  const byTarget = new Map();
  for (const entry of writes) {
    if (entry.target === undefined) continue;
    byTarget.set(entry.target, [...(byTarget.get(entry.target) ?? []), entry]);
  }
  for (const [target, entries] of byTarget) {
    const isRule = entries[0].kind.startsWith('rule');
    if (isRule) {
      const history = (await adminFetch(node, 'GET', `/rules/${target}/history`)).body?.items ?? [];
      const current = await adminFetch(node, 'GET', `/rules/${target}`);
      let last;
      let unackedAfter = false;
      for (const entry of entries) {
        if (!acked(entry)) {
          if (entry.status !== 404) unackedAfter = true;
          continue;
        }
        last = entry;
        unackedAfter = false;
        verified++;
        if (entry.expect.gone) {
          if (!history.some((h) => h.action === 'delete'))
            missing.push(`${entry.kind} ${target}: no delete in its history`);
          continue;
        }
        const h = history.find((item) => item.version === entry.expect.version && item.action !== 'delete');
        if (h === undefined || !sameLimits(h.after?.limits, entry.expect.limits)) {
          missing.push(
            `${entry.kind} ${target} v${entry.expect.version}: ${h === undefined ? 'not in its history' : 'other limits in its history'}`,
          );
        }
      }
      if (last === undefined) continue;
      if (last.expect.gone) {
        if (current.status !== 404 && !unackedAfter)
          missing.push(`rule ${target}: deleted (acknowledged), still answers ${current.status}`);
      } else if (current.status !== 200) {
        missing.push(`rule ${target}: answers ${current.status} after an acknowledged ${last.kind}`);
      } else if (
        !unackedAfter &&
        (current.body.version !== last.expect.version || !sameLimits(current.body.limits, last.expect.limits))
      ) {
        missing.push(
          `rule ${target}: at v${current.body.version}, the last acknowledged write made v${last.expect.version}`,
        );
      }
    } else {
      const current = await adminFetch(node, 'GET', `/blocks/${target}`);
      const ackedEntries = entries.filter(acked);
      verified += ackedEntries.length;
      const lifted = ackedEntries.some((e) => e.expect.gone);
      const unlifted = entries.some((e) => e.expect.gone && !acked(e));
      if (lifted && current.status !== 404)
        missing.push(`block ${target}: lifted (acknowledged), still answers ${current.status}`);
      if (!lifted && !unlifted && current.status !== 200) missing.push(`block ${target}: answers ${current.status}`);
      if (!lifted && current.status === 200 && current.body.value !== ackedEntries[0]?.expect.value) {
        missing.push(`block ${target}: another value`);
      }
    }
  }
  return { verified, missing };
}

/**
 * The documented fail-open bound for one window of the measured key (README, Failure modes):
 * Redis decides at most L per window, but a Redis restart forgets its counters (no persistence
 * here, as with most caches), so a window that overlaps two Redis lifetimes may see L from each;
 * decisions made without Redis (failed open: Redis down, or a call past RATE_LIMIT_TIMEOUT_MS)
 * go through each node's insurance limiter, floor(L / live nodes) (at least 1) per window and
 * per node process: a node restarted within the window starts its insurance afresh.
 */
function windowBound(window) {
  const from = window * MEASURED.windowMs;
  const to = from + MEASURED.windowMs;
  const overlaps = (life) => life.from < to && (life.to === undefined || life.to > from);
  const redisCount = redisLives.filter(overlaps).length;
  const processes = nodeLives.flat().filter(overlaps).length;
  const share = Math.max(1, Math.floor(MEASURED.limit / NODES));
  return { redis: MEASURED.limit * redisCount, failedOpen: share * processes, redisCount, processes };
}

/** DBSIZE and what explains it: the counters of the (rule, identity) pairs Redis decided since its restart, and the service's own keys. */
async function redisKeys(url, since) {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const size = await client.dbsize();
    const kinds = new Map();
    for await (const keys of client.scanStream({ count: 1000 })) {
      for (const key of keys) {
        const kind = key.startsWith(`${KEY_PREFIX}:{`)
          ? `${KEY_PREFIX}:{...}:<algorithm>:<window> (counters)`
          : key.replace(/bench-\d+/, 'bench-<port>');
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    }
    const used = [...pairs.values()].filter((at) => at >= since).length;
    return { size, kinds, used };
  } finally {
    client.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------

await runScript(async () => {
  const redis = await startRedis([], { ports: REDIS_PORTS });
  redisLives.push({ from: now() });
  const proxy = await startTcpProxy({ port: 5432 });
  defer(() => proxy.close());
  const direct = new URL(await createDatabase());
  direct.port = String(proxy.port);
  const nodeOptions = {
    redisUrl: redis.url,
    databaseUrl: direct.href,
    // auth-request believes X-Real-IP from loopback only when told to.
    env: { TRUSTED_PROXIES: 'loopback', ...(FAIL_MODE === 'closed' ? { RATE_LIMIT_FAIL_MODE: 'closed' } : {}) },
    nodeArgs: ['--import', fileURLToPath(new URL('./support/gc-on-signal.mjs', import.meta.url))],
  };
  const started = await Promise.all(Array.from({ length: NODES }, () => startNode(nodeOptions)));
  for (const [i, node] of started.entries()) {
    slots.push(node);
    up[i] = true;
    nodeLives[i].push({ from: now(), readyAt: now() });
  }
  progress(
    `${NODES} nodes on ${slots.map((n) => n.port).join(', ')}, Redis on ${redis.port}, Postgres through ${proxy.port}`,
  );

  await createRule(slots[0], {
    name: MEASURED.name,
    match: { resource: MEASURED.resource },
    algorithm: 'fixed_window',
    limits: [{ limit: MEASURED.limit, windowMs: MEASURED.windowMs }],
  });
  for (let i = 0; i < ITEM_RULES; i++) {
    itemRules.push(
      await createRule(slots[0], {
        name: `soak-items-${i}`,
        match: { resource: `GET /items/${i}` },
        limits: itemLimits(i),
      }),
    );
  }

  const startedAt = now();
  mark(`load started for ${D} s`);
  const heap = { before: [], after: [] };
  const load = [
    ...Array.from({ length: CHECK_WORKERS }, (_, i) => checkWorker(i)),
    ...Array.from({ length: GUARDED_WORKERS }, (_, i) => guardedWorker(i)),
    measuredWorker(),
    adminWriter(startedAt),
    registrySampler(),
  ];
  await waitUntil(startedAt, PLAN.warmUpS);
  for (let i = 0; i < NODES; i++) heap.before[i] = await heapAfterGc(slots[i]);
  progress(`heap baselines after the warm-up: ${heap.before.map(mib).join(', ')}`);
  const faulting = faults(startedAt, { redis, proxy, nodeOptions, heap });
  await waitUntil(startedAt, D);
  await faulting;
  running = false;
  await Promise.all(load);
  mark('load stopped');
  const loadSeconds = (now() - startedAt) / 1000;

  const last = await lastChange();
  const lastVersion = last.body.rulesVersion;
  const converged = await convergence(lastVersion, now());
  for (let i = 0; i < NODES; i++) heap.after[i] = await heapAfterGc(slots[i]);
  const keys = await redisKeys(redis.url, redisLives.at(-1).from);
  const back = await readBack();

  // -------------------------------------------------------------------------------------------
  // The verdict.
  const rows = [];
  const verdicts = [];
  const row = (property, measured, bound, ok) => {
    rows.push([property, measured, bound, ok ? 'pass' : '**FAIL**']);
    verdicts.push(ok);
  };

  const checkCount = checks['/v1/check'].sent + checks['/v1/check/auth-request'].sent;
  row(
    'checks answered 5xx (both entries)',
    `${fmt(problems.serverErrors.length)} of ${fmt(checkCount)}${FAIL_MODE === 'closed' ? `; ${fmt(problems.failedClosed)} 503 while Redis was down (fail mode closed)` : ''}`,
    '0',
    problems.serverErrors.length === 0,
  );
  row(
    'checks unanswered or answered other than 2xx/429, nodes up',
    `${fmt(problems.unanswered.length)} unanswered, ${fmt(problems.unexpected.length)} other (${fmt(problems.expectedResets)} reset by the SIGKILL, not counted)`,
    '0',
    problems.unanswered.length === 0 && problems.unexpected.length === 0,
  );

  const ackedWrites = writes.filter(acked);
  const adminServerErrors = writes.filter((w) => w.status >= 500 && w.status !== 503);
  row(
    'acknowledged admin writes missing or wrong afterwards',
    `${fmt(back.missing.length)} of ${fmt(back.verified)} read back (${fmt(ackedWrites.length)} acknowledged of ${fmt(writes.length)} sent)`,
    '0',
    back.missing.length === 0 && back.verified === ackedWrites.length,
  );
  row('admin writes answered 5xx other than 503', fmt(adminServerErrors.length), '0', adminServerErrors.length === 0);

  let over = 0;
  let worst = { total: 0 };
  let worstRedisAlone = 0;
  let failedOpenWindows = 0;
  for (const [window, w] of measuredWindows) {
    const bound = windowBound(window);
    if (w.redis > bound.redis || w.failedOpen > bound.failedOpen) over++;
    if (w.failedOpen > 0) failedOpenWindows++;
    else if (bound.redisCount === 1) worstRedisAlone = Math.max(worstRedisAlone, w.redis);
    if (w.redis + w.failedOpen > worst.total) worst = { window, total: w.redis + w.failedOpen, ...w, bound };
  }
  row(
    `measured key (fixed_window ${MEASURED.limit} per ${MEASURED.windowMs / 1000} s): windows over the fail-open bound`,
    `${over} of ${measuredWindows.size}; Redis alone at most ${worstRedisAlone} per window; worst window ${worst.total} (${worst.redis ?? 0} by Redis, ${worst.failedOpen ?? 0} failed open)`,
    worst.bound === undefined
      ? '-'
      : `Redis ${MEASURED.limit} per lifetime, failed open floor(${MEASURED.limit}/${NODES}) per node process; worst window's bound ${worst.bound.redis} + ${worst.bound.failedOpen}`,
    over === 0 && measuredWindows.size > 0 && measuredOtherRule === 0,
  );

  const slowestNode = Math.max(...converged.nodesAt.map((ms) => ms ?? Infinity));
  row(
    'every node enforcing the last change (its rules version)',
    Number.isFinite(slowestNode) ? `${fmt(slowestNode)} ms after the write's answer (v${lastVersion})` : 'never (30 s)',
    `${fmt(CONVERGENCE_LIMIT_MS)} ms`,
    slowestNode <= CONVERGENCE_LIMIT_MS,
  );
  row(
    'the registry (GET /v1/admin/nodes) listing all three on it',
    converged.registryAt === undefined ? 'never (30 s)' : `${fmt(converged.registryAt)} ms after the write's answer`,
    `${fmt(CONVERGENCE_LIMIT_MS + HEARTBEAT_MS)} ms (5 s + one heartbeat: the entry is written every 5 s)`,
    converged.registryAt !== undefined && converged.registryAt <= CONVERGENCE_LIMIT_MS + HEARTBEAT_MS,
  );

  for (let i = 0; i < NODES; i++) {
    const growth = (heap.after[i] - heap.before[i]) / heap.before[i];
    row(
      `node ${i + 1} heap after a full GC${i === VICTIM ? ' (since its restart)' : ''}`,
      `${mib(heap.before[i])} -> ${mib(heap.after[i])} (${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}%)`,
      `+${HEAP_GROWTH_LIMIT * 100}%`,
      growth <= HEAP_GROWTH_LIMIT,
    );
  }

  const counters = [...keys.kinds].filter(([kind]) => kind.endsWith('(counters)')).reduce((s, [, n]) => s + n, 0);
  // Counted from the SCAN that follows DBSIZE: counters whose window ends between the two are gone
  // from it (a --quick run saw 48 of them), so `DBSIZE - counters` is no count of anything.
  const others = [...keys.kinds].reduce((s, [, n]) => s + n, 0) - counters;
  // The service's own keys: a registry entry per node and their index (floodgate:nodes), the rules
  // snapshot, the over-limit board (<prefix>:over-limit).
  const ownKeys = NODES + 3;
  row(
    'Redis keys at the end (DBSIZE)',
    `${fmt(keys.size)}; then a SCAN: ${fmt(counters)} counters, ${fmt(others)} others`,
    `${fmt(keys.used + ownKeys)}: ${fmt(keys.used)} (rule, identity) pairs Redis decided since its restart, one key each, + ${ownKeys}`,
    keys.size <= keys.used + ownKeys && counters <= keys.used && others <= ownKeys,
  );

  const ok = verdicts.every(Boolean);
  const at = (t) => `${fmt((t - startedAt) / 1000, 1)}`;
  const outage = redisOutages[0];
  const lines = [
    '## Soak',
    '',
    `Measured ${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, Node ${process.version}, at commit ${COMMIT}.`,
    '',
    `Command: \`${commandLine('soak.mjs')}\` (\`npm run soak\` builds first). ${NODES} service nodes (\`node dist/main.js\`) on a redis-server of the soak's own and a fresh Postgres database reached through a TCP proxy, fail mode ${FAIL_MODE}${FAIL_MODE === 'open' ? ' (the shipped default)' : ''}, everything else as shipped. ${fmt(loadSeconds)} s of load, round-robin over the nodes that are up: \`POST /v1/check\` for ${CLIENTS} clients over ${ITEM_RULES + NEW_RESOURCES + 1} resources, the guarded entry \`GET /v1/check/auth-request\` for ${GUARDED_ADDRESSES} addresses, one client far over a fixed-window rule (${fmt(1000 / MEASURED_INTERVAL_MS)} checks/s at most against ${MEASURED.limit} per ${MEASURED.windowMs / 1000} s), and an admin write every second (rule updates, rule creates and deletes, blocks set and lifted). ${fmt(checkCount)} checks in all (${fmt(checkCount / loadSeconds)}/s).`,
    '',
    table(['property', 'measured', 'bound', 'result'], rows, ['l', 'l', 'l', 'l']),
    '',
    'What happened, in seconds from the start of the load:',
    '',
    table(
      ['s', 'event'],
      timeline.map((e) => [at(e.at), e.what]),
      ['r', 'l'],
    ),
    '',
  ];
  const statusList = (s) =>
    Object.entries(s)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${fmt(n)}`)
      .join(', ');
  const writeStatuses = {};
  for (const w of writes)
    writeStatuses[`${w.kind} ${w.status || 'none'}`] = (writeStatuses[`${w.kind} ${w.status || 'none'}`] ?? 0) + 1;
  const live = registrySamples.filter((s) => s.live !== undefined).map((s) => s.live);
  lines.push(
    `- Checks: \`POST /v1/check\` ${statusList(checks['/v1/check'].statuses)} (${fmt(checks['/v1/check'].failedOpen)} failed open); \`GET /v1/check/auth-request\` ${statusList(checks['/v1/check/auth-request'].statuses)} (${fmt(checks['/v1/check/auth-request'].failedOpen)} failed open).`,
    `- Redis: down ${outage === undefined ? '-' : sec(outage.restartedAt - outage.from)} (from the SIGKILL until the restarted server answered); enforcement back ${outage?.to === undefined ? 'never seen' : `${fmt(outage.to - outage.restartedAt)} ms`} after that (the first allowed answer that did not fail open).`,
    `- Measured key: ${measuredWindows.size} windows with admissions, ${failedOpenWindows} of them with failed-open admissions; ${measuredOtherRule} admitted under another rule.`,
    `- Admin writes: ${statusList(writeStatuses)}; ${writes.filter((w) => w.status === 503 && !(w.at >= pgCut.from - 1_000 && w.at <= pgCut.to + 1_000)).length} of the 503s sent more than 1 s away from the Postgres cut.`,
    `- Registry: ${live.length === 0 ? 'never read' : `${Math.min(...live)} to ${Math.max(...live)} nodes listed`} over ${registrySamples.length} reads a second apart (${registrySamples.filter((s) => s.status !== 200).length} not answered 200).`,
    `- Nodes enforcing v${lastVersion}: ${converged.nodesAt.map((ms, i) => `node ${i + 1} ${ms === undefined ? 'never' : `${fmt(ms)} ms`}`).join(', ')}; the registry: ${converged.registry.map((n) => `${n.id} v${n.rulesVersion}`).join(', ')}.`,
    `- Redis keys by kind: ${[...keys.kinds].map(([k, n]) => `\`${k}\` ${fmt(n)}`).join(', ')}.`,
  );
  const listed = (what, xs) => {
    if (xs.length === 0) return;
    lines.push('', `${what} (first 10 of ${xs.length}):`, '');
    for (const x of xs.slice(0, 10))
      lines.push(
        `- ${typeof x === 'string' ? x : JSON.stringify({ ...x, at: x.at === undefined ? undefined : at(x.at) })}`,
      );
  };
  listed('Checks answered 5xx', problems.serverErrors);
  listed('Checks unanswered', problems.unanswered);
  listed('Checks answered otherwise', problems.unexpected);
  listed('Acknowledged writes missing', back.missing);
  listed(
    'Admin writes answered 5xx other than 503',
    adminServerErrors.map(({ body, ...w }) => ({ ...w, body: JSON.stringify(body) })),
  );
  if (over > 0) {
    const overWindows = [...measuredWindows].filter(([window, w]) => {
      const b = windowBound(window);
      return w.redis > b.redis || w.failedOpen > b.failedOpen;
    });
    listed(
      'Measured windows over the bound',
      overWindows.map(([window, w]) => ({ at: window * MEASURED.windowMs, ...w, bound: windowBound(window) })),
    );
  }
  console.log(lines.join('\n'));
  progress(ok ? 'every property held' : 'a property failed (see the table)');
  if (!ok) process.exitCode = 1;
});
