/**
 * The fault suite's machinery: two nodes (fail mode open and closed) of the real service, a sweep
 * that calls every route of the OpenAPI document once per node and times each answer, what every
 * answer must be under a fault, and what Postgres must hold afterwards.
 *
 * prom-client keeps one registry per process, so both nodes of a test file count into the same
 * series: the metrics checks add up what was asked of both.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { createMigratedDatabase, query, type TestDatabase } from '../db/support/test-database.js';
import {
  adminFetch,
  json,
  type RunningService,
  startService,
  TEST_ADMIN_TOKEN,
  uniquePrefix,
} from '../e2e/service/service-harness.js';
import { parseExposition, type Sample } from '../support/prometheus.js';
import { type RedisServerHandle, startRedisServer, waitFor } from '../support/redis-server.mjs';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.mjs';
import { type Fixtures, GUARDED_PATH, type Route, routesOf, type Storage } from './fault-routes.js';

/**
 * The limiter's store timeout on the suite's nodes (RATE_LIMIT_TIMEOUT_MS). Not the default 50 ms:
 * on a loaded machine (CI runs the suites two at a time on two cores) a healthy Redis's answer can
 * take longer than that, and a route that should answer as usual timed out. A stalled Redis still
 * holds every call past it.
 */
export const STORE_TIMEOUT_MS = 1_000;
/** DATABASE_TIMEOUT_MS on the suite's nodes: how long a database call may take before it is an outage. */
export const DATABASE_TIMEOUT_MS = 1_000;
/**
 * The hang bound: no answer may take longer than the timeout of what it waits for plus this. Not a
 * performance goal (answers take milliseconds): a request that hangs blows through it by seconds.
 */
export const HANG_MARGIN_MS = 1_000;
/** The rules bus's Redis command timeout (src/rules/rules-bus.ts). */
const RULES_BUS_TIMEOUT_MS = 1_000;
/** How long the sweep waits for any one answer before it records none. */
const GIVE_UP_MS = 15_000;

@Controller(GUARDED_PATH.split('/')[1])
class FaultsFixtureController {
  /** Limited by the default rule, like any route of an app that mounts the limiter. */
  @Get(GUARDED_PATH.split('/')[2])
  guarded() {
    return { ok: true };
  }
}

@Module({ controllers: [FaultsFixtureController] })
export class FaultsFixtureModule {}

export type FailMode = 'open' | 'closed';

export interface FaultNode {
  readonly mode: FailMode;
  readonly service: RunningService;
}

/** A node of each fail mode on `databaseUrl` and `redisUrl`, with short storage timeouts. */
export async function startFaultNodes(databaseUrl: string, redisUrl: string): Promise<FaultNode[]> {
  const nodes: FaultNode[] = [];
  for (const mode of ['open', 'closed'] as const) {
    const service = await startService(
      {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        NODE_ID: `faults-${mode}`,
        RATE_LIMIT_FAIL_MODE: mode,
        RATE_LIMIT_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
        RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
        DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
        // A sweep never comes near it: every refusal under a fault is the fault's.
        DEFAULT_LIMIT: '1000000',
        // Rule changes reach the other node by pub/sub alone (the pub/sub fault checks it).
        RULES_REFRESH_INTERVAL_MS: '60000',
        RULES_STALE_AFTER_MS: '120000',
        LOG_LEVEL: 'fatal',
        // nginx's auth-request names the client in X-Real-IP, believed from a trusted proxy only.
        TRUSTED_PROXIES: 'loopback',
      },
      [FaultsFixtureModule],
    );
    nodes.push({ mode, service });
  }
  return nodes;
}

/**
 * Runs the steps of a test file's teardown in order, each given `ms` at most: one that hangs is
 * reported by name and the rest still run, so a broken teardown never holds the suite.
 */
export async function tearDown(steps: Record<string, () => Promise<unknown> | undefined>, ms = 15_000): Promise<void> {
  const hung: string[] = [];
  for (const [name, step] of Object.entries(steps)) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    const outcome = await Promise.race([Promise.resolve(step()).catch(() => undefined), late]);
    clearTimeout(timer);
    if (outcome === 'late') hung.push(name);
  }
  if (hung.length > 0) throw new Error(`teardown steps did not finish within ${ms} ms: ${hung.join(', ')}`);
}

/** A fault test file's storage and nodes, set up before its first test and torn down after its last. */
export interface FaultBench {
  readonly db: TestDatabase;
  readonly redis: RedisServerHandle;
  /** In front of the storage the file breaks (`useFaultBench`'s `proxied`). */
  readonly proxy: TcpProxy;
  readonly nodes: FaultNode[];
  readonly routes: Route[];
}

const SETUP_TIMEOUT_MS = 60_000;

/**
 * Call once at the top of a fault test file: a fresh migrated database, a redis-server of the
 * file's own on `redisPort`, a TCP proxy in front of the `proxied` storage, the two fault nodes on
 * them, and the document's routes. The returned object is filled in before the first test.
 */
export function useFaultBench(proxied: 'postgres' | 'redis', redisPort: number): FaultBench {
  const bench = {} as { -readonly [K in keyof FaultBench]: FaultBench[K] };
  beforeAll(async () => {
    bench.db = await createMigratedDatabase();
    bench.redis = await startRedisServer(redisPort);
    const target = proxied === 'postgres' ? new URL(bench.db.url) : new URL(bench.redis.url);
    bench.proxy = await startTcpProxy({ port: Number(target.port) });
    target.port = String(bench.proxy.port);
    bench.nodes =
      proxied === 'postgres'
        ? await startFaultNodes(target.toString(), bench.redis.url)
        : await startFaultNodes(bench.db.url, target.toString());
    bench.routes = await documentedRoutes(bench.nodes[0]!);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await tearDown({
      'the fail-open node': () => bench.nodes?.[0]?.service.close(),
      'the fail-closed node': () => bench.nodes?.[1]?.service.close(),
      'the proxy': () => bench.proxy?.close(),
      'the redis-server': () => bench.redis?.stop(),
      'the database': () => bench.db?.drop(),
    });
  }, SETUP_TIMEOUT_MS);
  return bench;
}

/** The document's routes, read from a running node. */
export async function documentedRoutes(node: FaultNode): Promise<Route[]> {
  const res = await fetch(`${node.service.url}/docs/json`);
  if (res.status !== 200) throw new Error(`/docs/json answered ${res.status}`);
  return routesOf(await json(res));
}

/** One answer of a sweep; `status` 0 when none came within GIVE_UP_MS. */
export interface Answer {
  readonly route: Route;
  readonly mode: FailMode;
  readonly status: number;
  readonly elapsedMs: number;
  readonly retryAfter: string | null;
  readonly body: unknown;
}

/** Calls `route` on `node` with its valid request, timing the answer. */
export async function call(node: FaultNode, route: Route, fixtures: Fixtures): Promise<Answer> {
  const request = route.request(fixtures);
  const admin = route.kind === 'read' || route.kind === 'write';
  const started = performance.now();
  try {
    const res = await fetch(`${node.service.url}${request.path}`, {
      method: route.method,
      headers: {
        ...(admin ? { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } : {}),
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(GIVE_UP_MS),
    });
    const text = await res.text();
    return {
      route,
      mode: node.mode,
      status: res.status,
      elapsedMs: performance.now() - started,
      retryAfter: res.headers.get('retry-after'),
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  } catch (error) {
    return {
      route,
      mode: node.mode,
      status: 0,
      elapsedMs: performance.now() - started,
      retryAfter: null,
      body: String(error),
    };
  }
}

/**
 * Every route once on every node, all at once: each call acts on a fixture of its own, and a
 * sweep under a fault that holds every call for its timeout then takes one timeout, not one per
 * call. Writes go to the first node only (one call uses its fixture up).
 */
export async function sweep(
  nodes: readonly FaultNode[],
  routes: readonly Route[],
  fixtures: Fixtures,
): Promise<Answer[]> {
  const calls = routes.flatMap((route) =>
    nodes.filter((node) => route.kind !== 'write' || node === nodes[0]).map((node) => call(node, route, fixtures)),
  );
  return Promise.all(calls);
}

/** How long `answer` may take: the timeout of the storage it waits for, plus the margin. */
export function hangBoundMs(route: Route): number {
  if (route.kind === 'decision' || route.kind === 'release') return STORE_TIMEOUT_MS + HANG_MARGIN_MS;
  // Health pings each storage with a timeout of 1 s of its own (in parallel).
  if (route.kind === 'health') return 1_000 + HANG_MARGIN_MS;
  if (route.kind === 'live') return HANG_MARGIN_MS;
  // An admin call waits for the database (DATABASE_TIMEOUT_MS per call, a transaction up to two of
  // them) and, for a write, for the rules bus storing and announcing the new snapshot (its
  // command timeout, 1 s, per Redis call), and one store timeout more: under a stalled Redis the
  // writes took 3.3 s with a 50 ms store timeout and 4.3 s with 1 s.
  return Math.max(2 * DATABASE_TIMEOUT_MS, 3 * RULES_BUS_TIMEOUT_MS + STORE_TIMEOUT_MS) + HANG_MARGIN_MS;
}

/** What an answer should have been, as `{ status, retryAfter }` where they matter, or problems. */
export function expectedOf(
  answer: Answer,
  fault: Storage | undefined,
): { status: number | string; retryAfter?: string } {
  const { route, mode } = answer;
  const broken = fault !== undefined && route.needs.includes(fault);
  switch (route.kind) {
    case 'decision':
      if (!broken) return { status: '2xx' };
      return mode === 'open' ? { status: '2xx' } : { status: 503, retryAfter: 'seconds' };
    case 'release':
    case 'live':
      return { status: '2xx' };
    case 'health':
      return { status: broken ? 503 : '2xx' };
    case 'read':
    case 'write':
      return broken ? { status: 503, retryAfter: 'seconds' } : { status: '2xx' };
  }
}

/** What the answer was, in the terms of `expected` (Retry-After only where it is expected). */
export function observedOf(
  answer: Answer,
  expected: { retryAfter?: string },
): { status: number | string; retryAfter?: string } {
  const status = answer.status >= 200 && answer.status < 300 ? '2xx' : answer.status;
  if (expected.retryAfter === undefined) return { status };
  return {
    status,
    retryAfter: answer.retryAfter !== null && /^\d+$/.test(answer.retryAfter) ? 'seconds' : String(answer.retryAfter),
  };
}

/**
 * The problems of a sweep's answers: a 5xx other than the expected 503, an answer other than the
 * expected one, an answer past the hang bound. Each names the route and the node.
 */
export function problemsOf(answers: readonly Answer[], fault: Storage | undefined): string[] {
  const problems: string[] = [];
  for (const answer of answers) {
    const where = `${answer.route.label} on the fail-${answer.mode} node`;
    const expected = expectedOf(answer, fault);
    const observed = observedOf(answer, expected);
    if (JSON.stringify(observed) !== JSON.stringify(expected)) {
      problems.push(
        `${where}: ${JSON.stringify(observed)}, expected ${JSON.stringify(expected)} (${JSON.stringify(answer.body)?.slice(0, 300)})`,
      );
    }
    const bound = hangBoundMs(answer.route);
    if (answer.elapsedMs > bound)
      problems.push(`${where}: answered in ${Math.round(answer.elapsedMs)} ms, over ${bound} ms`);
  }
  return problems;
}

/** The route x node results of a sweep, one line each, for the report of a failing test. */
export function table(answers: readonly Answer[]): string {
  return answers
    .map(
      (a) =>
        `${a.route.label.padEnd(40)} ${a.mode.padEnd(6)} ${String(a.status).padEnd(4)} ${Math.round(a.elapsedMs)} ms`,
    )
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the rows a sweep's routes act on, made while everything works.
// ---------------------------------------------------------------------------------------------

async function created(res: Response, what: string): Promise<Record<string, unknown>> {
  if (res.status < 200 || res.status >= 300) throw new Error(`seeding ${what}: ${res.status} ${await res.text()}`);
  return json(res);
}

/** Fresh fixtures for one sweep, tagged `tag`, made through the admin API of `node`. */
export async function seedFixtures(node: FaultNode, tag: string): Promise<Fixtures> {
  const s = node.service;
  const rule = async (name: string) => {
    const body = await created(
      await adminFetch(s, 'POST', '/v1/admin/rules', {
        name,
        match: { resource: `GET /seed/${name}` },
        limits: [{ limit: 1000, windowMs: 60_000 }],
      }),
      `rule ${name}`,
    );
    return { id: String(body.id), version: Number(body.version) };
  };
  const ruleToRollBack = await rule(`${tag}-rb`);
  const patched = await created(
    await adminFetch(s, 'PATCH', `/v1/admin/rules/${ruleToRollBack.id}`, { description: 'v2' }),
    'rule patch',
  );
  const apiKey = async () =>
    String((await created(await adminFetch(s, 'POST', '/v1/admin/api-keys', { tier: 'free' }), 'api key')).id);
  const block = async (value: string) =>
    String(
      (
        await created(
          await adminFetch(s, 'POST', '/v1/admin/blocks', {
            type: 'clientId',
            value,
            durationMs: 600_000,
            reason: 'seed',
          }),
          'block',
        )
      ).id,
    );
  const allow = async (value: string) =>
    String(
      (await created(await adminFetch(s, 'POST', '/v1/admin/allowlist', { type: 'clientId', value }), 'allow entry'))
        .id,
    );
  return {
    tag,
    rule: await rule(`${tag}-r`),
    ruleToDelete: await rule(`${tag}-d`),
    ruleToRollBack: { id: ruleToRollBack.id, version: Number(patched.version) },
    apiKey: await apiKey(),
    apiKeyToRevoke: await apiKey(),
    block: await block(`${tag}-b`),
    blockToDelete: await block(`${tag}-bd`),
    allow: await allow(`${tag}-al`),
    allowToDelete: await allow(`${tag}-a`),
  };
}

// ---------------------------------------------------------------------------------------------
// What Postgres holds: the outbox, the audit entries and the rows must agree.
// ---------------------------------------------------------------------------------------------

/** Where the audit and the outbox stood before a sweep. */
export interface LedgerMark {
  readonly outbox: number;
  readonly ruleAudit: number;
  readonly adminAudit: number;
}

export async function ledgerMark(databaseUrl: string): Promise<LedgerMark> {
  const [row] = await query<{ outbox: string; rule_audit: string; admin_audit: string }>(
    databaseUrl,
    `SELECT (SELECT coalesce(max(id), 0) FROM outbox) AS outbox,
            (SELECT coalesce(max(id), 0) FROM rule_audit) AS rule_audit,
            (SELECT coalesce(max(id), 0) FROM admin_audit) AS admin_audit`,
  );
  return { outbox: Number(row!.outbox), ruleAudit: Number(row!.rule_audit), adminAudit: Number(row!.admin_audit) };
}

/**
 * What the sweep's answers say Postgres must hold since `mark`, against what it holds: one audit
 * entry and (for snapshot writes) one outbox row per write answered 2xx, none for one answered
 * 503; each outbox row's rules version that of one audit entry, and the other way round; the row
 * a create makes there exactly when the create was answered 2xx; the rules version the newest
 * outbox row's. The counter routes audit-log themselves: a read answered 2xx leaves
 * `counters.read`; a reset leaves `counters.reset` once recorded, and `counters.reset_failed`
 * when the store then failed it.
 */
export async function ledgerProblems(
  databaseUrl: string,
  mark: LedgerMark,
  answers: readonly Answer[],
  tag: string,
): Promise<string[]> {
  const outbox = await query<{ rules_version: string; payload: { target?: string; action?: string } }>(
    databaseUrl,
    'SELECT rules_version, payload FROM outbox WHERE id > $1 ORDER BY id',
    [mark.outbox],
  );
  const ruleAudit = await query<{ action: string; rules_version: string }>(
    databaseUrl,
    'SELECT action, rules_version FROM rule_audit WHERE id > $1 ORDER BY id',
    [mark.ruleAudit],
  );
  const adminAudit = await query<{ action: string; rules_version: string | null }>(
    databaseUrl,
    'SELECT action, rules_version FROM admin_audit WHERE id > $1 ORDER BY id',
    [mark.adminAudit],
  );
  const problems: string[] = [];
  const ok = (a: Answer) => a.status >= 200 && a.status < 300;
  const writes = answers.filter((a) => a.route.write !== undefined);
  const expectOutbox = writes.filter((a) => ok(a) && a.route.write!.outbox).length;
  if (outbox.length !== expectOutbox) {
    problems.push(`${outbox.length} outbox rows for ${expectOutbox} snapshot writes answered 2xx`);
  }
  const expectRuleAudit = writes.filter((a) => ok(a) && a.route.write!.audit === 'rule').length;
  if (ruleAudit.length !== expectRuleAudit) {
    problems.push(`${ruleAudit.length} rule_audit entries for ${expectRuleAudit} rule writes answered 2xx`);
  }
  const versioned = adminAudit.filter((entry) => entry.rules_version !== null);
  const expectVersioned = writes.filter(
    (a) => ok(a) && a.route.write!.audit === 'admin' && a.route.write!.outbox,
  ).length;
  if (versioned.length !== expectVersioned) {
    problems.push(`${versioned.length} versioned admin_audit entries for ${expectVersioned} admin writes answered 2xx`);
  }
  // Outbox and audit agree version by version.
  const auditVersions = [...ruleAudit.map((e) => e.rules_version), ...versioned.map((e) => e.rules_version!)].sort();
  const outboxVersions = outbox.map((row) => row.rules_version).sort();
  if (JSON.stringify(auditVersions) !== JSON.stringify(outboxVersions)) {
    problems.push(`outbox versions ${outboxVersions.join(',')} but audit versions ${auditVersions.join(',')}`);
  }
  // The counters' own audit entries.
  const counters = adminAudit.filter((entry) => entry.rules_version === null).map((entry) => entry.action);
  const expectCounters: string[] = [];
  for (const answer of answers) {
    if (answer.route.label === 'GET /v1/admin/counters' && ok(answer)) expectCounters.push('counters.read');
    if (answer.route.label === 'DELETE /v1/admin/counters') {
      if (ok(answer)) expectCounters.push('counters.reset');
      else if (answer.route.needs.includes('redis') && answer.status === 503 && counters.includes('counters.reset')) {
        // Recorded, then refused by the store: recorded as failed too (never done and unrecorded).
        expectCounters.push('counters.reset', 'counters.reset_failed');
      }
    }
  }
  if (JSON.stringify(counters.sort()) !== JSON.stringify(expectCounters.sort())) {
    problems.push(`counters audit entries ${JSON.stringify(counters)}, expected ${JSON.stringify(expectCounters)}`);
  }
  // Each create's row is there exactly when the create succeeded.
  for (const answer of writes) {
    if (answer.route.write!.rowSql === undefined) continue;
    const [row] = await query<{ n: number }>(databaseUrl, answer.route.write!.rowSql, [tag]);
    const expected = ok(answer) ? 1 : 0;
    if (row!.n !== expected) problems.push(`${answer.route.label} answered ${answer.status} and left ${row!.n} rows`);
  }
  const [version] = await query<{ version: string }>(databaseUrl, 'SELECT version FROM rules_version WHERE id = 1');
  const newest = outbox.at(-1)?.rules_version;
  if (newest !== undefined && version!.version !== newest) {
    problems.push(`rules version ${version!.version}, the newest outbox row's ${newest}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Metrics and health
// ---------------------------------------------------------------------------------------------

export async function scrape(node: FaultNode): Promise<Sample[]> {
  return parseExposition(await (await fetch(`${node.service.url}/metrics`)).text());
}

/** The sum of every series of `name` whose labels include `labels`. */
export function sumOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

/** The decision and store-error counters the suite follows. */
export function countersOf(samples: readonly Sample[]) {
  return {
    allowed: sumOf(samples, 'floodgate_decisions_total', { outcome: 'allowed' }),
    failedOpen: sumOf(samples, 'floodgate_decisions_total', { outcome: 'failed_open' }),
    failedClosed: sumOf(samples, 'floodgate_decisions_total', { outcome: 'failed_closed' }),
    storeErrors: sumOf(samples, 'floodgate_store_errors_total'),
  };
}

/** Waits until `/health` of `node` answers `status`; resolves its body. */
export async function healthBecomes(
  node: FaultNode,
  status: number,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  await waitFor(
    async () => {
      const res = await fetch(`${node.service.url}/health`);
      body = await json(res);
      return res.status === status;
    },
    `/health ${status} on the fail-${node.mode} node`,
    timeoutMs,
  );
  return body;
}

/** Close enough to make the mark the suite's: an id of `tag`'s kind. */
export function tagOf(name: string): string {
  return `f${name}${Date.now().toString(36)}`;
}

export type { Fixtures, Route, Storage };

// ---------------------------------------------------------------------------------------------
// One fault, start to end
// ---------------------------------------------------------------------------------------------

export interface FaultCase {
  readonly nodes: readonly FaultNode[];
  readonly routes: readonly Route[];
  /** The database, reached directly (not through a proxy the fault may hold). */
  readonly databaseUrl: string;
  /** What the fault breaks; undefined: nothing a route needs (the pub/sub connection). */
  readonly storage: Storage | undefined;
  /** The `/health` component that must be down meanwhile. */
  readonly failingPart?: string;
  apply(): Promise<void> | void;
  remove(): Promise<void> | void;
}

/** Every answer of one fault, and what it moved. */
export interface FaultRun {
  readonly answers: readonly Answer[];
  readonly problems: readonly string[];
}

const decisionsOn = (answers: readonly Answer[], mode: FailMode) =>
  answers.filter((a) => a.route.kind === 'decision' && a.mode === mode && a.status !== 0).length;

/**
 * Runs one fault: fresh fixtures, the fault applied, (for a store fault) three checks per node
 * whose store errors must be counted exactly, the sweep, `/health` polled until it names the
 * failed part, the fault removed, every node healthy again, then the ledger and the counters
 * checked against what was asked. Resolves every problem found (none: the fault was survived).
 */
export async function runFault(fault: FaultCase): Promise<FaultRun> {
  const { nodes, routes, databaseUrl, storage } = fault;
  const problems: string[] = [];
  for (const node of nodes) await storeBreakerCloses(node);
  const tag = tagOf(storage ?? 'pubsub');
  const fixtures = await seedFixtures(nodes[0]!, tag);
  const mark = await ledgerMark(databaseUrl);
  const answers: Answer[] = [];
  const start = countersOf(await scrape(nodes[0]!));
  await fault.apply();
  try {
    if (storage === 'redis') {
      // The breaker opens after 5 failures in a row: below that, every failed check is one store error.
      const firstChecks = [];
      for (const node of nodes) {
        for (let i = 0; i < 3; i++)
          firstChecks.push(
            await call(
              node,
              routes.find((r) => r.label === 'POST /v1/check')!,
              fixtures,
            ),
          );
      }
      answers.push(...firstChecks);
      const moved = diff(start, countersOf(await scrape(nodes[0]!)));
      const expected = { storeErrors: 6, failedOpen: 3, failedClosed: 3, allowed: 0 };
      if (JSON.stringify(moved) !== JSON.stringify(expected)) {
        problems.push(
          `the first 3 checks per node moved ${JSON.stringify(moved)}, expected ${JSON.stringify(expected)}`,
        );
      }
    }
    answers.push(...(await sweep(nodes, routes, fixtures)));
    if (fault.failingPart !== undefined) {
      for (const node of nodes) {
        const body = await healthBecomes(node, 503).catch((error: Error) => ({ problem: error.message }));
        const error = (body as { error?: Record<string, { status?: string }> }).error ?? {};
        if (error[fault.failingPart]?.status !== 'down') {
          problems.push(
            `/health on the fail-${node.mode} node: ${JSON.stringify(body).slice(0, 300)}, expected ${fault.failingPart} down`,
          );
        }
        const live = await fetch(`${node.service.url}/health/live`);
        if (live.status !== 200)
          problems.push(`/health/live on the fail-${node.mode} node: ${live.status} under the fault`);
      }
    }
  } finally {
    await fault.remove();
  }
  const end = countersOf(await scrape(nodes[0]!));
  problems.push(...problemsOf(answers, storage));
  for (const node of nodes) await healthBecomes(node, 200);
  problems.push(...(await ledgerProblems(databaseUrl, mark, answers, tag)));
  // Every decision under a store fault is its fail mode's; under any other, an ordinary one.
  const moved = diff(start, end);
  const expected =
    storage === 'redis'
      ? {
          storeErrors: moved.storeErrors,
          failedOpen: decisionsOn(answers, 'open'),
          failedClosed: decisionsOn(answers, 'closed'),
          allowed: 0,
        }
      : {
          storeErrors: 0,
          failedOpen: 0,
          failedClosed: 0,
          allowed: decisionsOn(answers, 'open') + decisionsOn(answers, 'closed'),
        };
  if (JSON.stringify(moved) !== JSON.stringify(expected)) {
    problems.push(`the fault moved the counters by ${JSON.stringify(moved)}, expected ${JSON.stringify(expected)}`);
  }
  if (storage === 'redis' && moved.storeErrors < 6)
    problems.push(`${moved.storeErrors} store errors in all, fewer than 6`);
  return { answers, problems };
}

/**
 * Waits until `node` is healthy and its store's circuit breaker closed: after a store fault it stays
 * half open until a decision goes through, and a half-open breaker lets one call of a burst reach
 * the store (one store error), not each.
 */
async function storeBreakerCloses(node: FaultNode): Promise<void> {
  await healthBecomes(node, 200);
  await waitFor(async () => {
    await fetch(`${node.service.url}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'faults-probe' }),
    });
    const health = await json<{ info?: { rateLimitStore?: { breaker?: string } } }>(
      await fetch(`${node.service.url}/health`),
    );
    return health.info?.rateLimitStore?.breaker === 'closed';
  }, `the store breaker of the fail-${node.mode} node closed`);
}

function diff(a: ReturnType<typeof countersOf>, b: ReturnType<typeof countersOf>) {
  return {
    storeErrors: b.storeErrors - a.storeErrors,
    failedOpen: b.failedOpen - a.failedOpen,
    failedClosed: b.failedClosed - a.failedClosed,
    allowed: b.allowed - a.allowed,
  };
}
