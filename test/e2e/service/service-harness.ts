/**
 * The e2e fixture: boots the real Floodgate service in-process on an ephemeral port, with its JSON
 * log lines captured, and talks to it over a real socket (Fastify's inject() cannot run under Jest
 * ESM). Each test file that starts the service calls `useServiceDatabase()` once: the service then
 * runs on a fresh, migrated database of the machine's Postgres, made for that file and dropped
 * after it. A describe block gets its nodes from `useService()` / `useServiceFleet()`, which start
 * them (and their Redis) before its first test and stop them after its last.
 */
import { randomUUID } from 'node:crypto';
import { Module, type ModuleMetadata, type Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../../src/bootstrap.js';
import { loadConfig } from '../../../src/config/index.js';
import { createMigratedDatabase, type TestDatabase, useTestDatabase } from '../../db/support/test-database.js';
import { type RedisServerHandle, startRedisServer } from '../../support/redis-server.mjs';
import { listenOnLoopback, sendJson } from '../support/http.js';

export { listenOnLoopback, sendJson };

/** The ADMIN_TOKEN of every in-process service (the config requires one with DATABASE_URL). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A `/v1/check` caller token: `CHECK_TOKENS: TEST_CHECK_TOKENS` in a service's env makes its callers authenticate. */
export const TEST_CHECK_TOKEN = 'test-check-token-0123456789';
export const TEST_CHECK_TOKENS = `tests=${TEST_CHECK_TOKEN}`;
/** The headers of a `/v1/check` call from the service `tests` (see `TEST_CHECK_TOKENS`). */
export const CALLER_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${TEST_CHECK_TOKEN}` };

/** The machine's Redis, shared with every other test file (and engineer): keys go under a prefix of one's own. */
export const MACHINE_REDIS_URL = 'redis://127.0.0.1:6379';

/** This test file's database (Jest gives each test file its own copy of this module). */
let fileDatabase: TestDatabase | undefined;

/**
 * Call once at the top level of a test file: creates this file's database before its first test
 * and drops it after its last; `startService()` uses it unless given a DATABASE_URL.
 */
export function useServiceDatabase(): void {
  fileDatabase = useTestDatabase();
}

export type LogLine = Record<string, unknown> & { msg?: string; correlationId?: string };

export interface RunningService {
  readonly app: NestFastifyApplication;
  readonly url: string;
  /** Every log line of this test file so far, parsed (see `sharedLogs`). */
  readonly logs: LogLine[];
  close(): Promise<void>;
}

/**
 * nestjs-pino keeps one pino-http instance per process, built from the first app's parameters, so
 * every app of a test file logs to the destination of the first: one shared sink, which tests
 * filter by correlation id.
 */
const sharedLogs: LogLine[] = [];
const sharedDestination = {
  write(chunk: string) {
    for (const line of chunk.split('\n')) if (line.trim() !== '') sharedLogs.push(JSON.parse(line) as LogLine);
  },
};

/** A key prefix no other test (or engineer) uses, for suites that share the machine's Redis. */
export function uniquePrefix(): string {
  return `fgtest_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** Starts the service with `env` over test defaults (port 0, node id `test-node`, this file's database). */
export async function startService(
  env: Record<string, string> = {},
  imports: ModuleMetadata['imports'] = [],
): Promise<RunningService> {
  const databaseUrl = env.DATABASE_URL ?? fileDatabase?.url;
  if (databaseUrl === undefined) {
    throw new Error('no database for the service: call useServiceDatabase() at the top of the test file');
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ID: 'test-node',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const app = await createApp(config, { logDestination: sharedDestination, imports });
  const url = await listenOnLoopback(app);
  let closed: Promise<void> | undefined;
  return { app, url, logs: sharedLogs, close: () => (closed ??= app.close()) };
}

/** What the nodes of a fleet share, and what sets each apart. */
export interface ServiceFleetOptions {
  /**
   * Where the counters live: `machine` (the default) the machine's Redis under a key prefix of the
   * fleet's own; `own` a redis-server of the fleet's own, which a test may kill and start again
   * (`fleet.redis`); `memory` each node's own memory (no REDIS_URL).
   */
  readonly redis?: 'machine' | 'own' | 'memory';
  /**
   * `file` (the default): this file's database (`useServiceDatabase()`); `own`: a fresh, migrated
   * one of the fleet's own, dropped after it (`fleet.database`), for tests that take it away.
   */
  readonly database?: 'file' | 'own';
  /** `CHECK_TOKENS: TEST_CHECK_TOKENS`: callers of `/v1/check` authenticate (see `CALLER_HEADERS`). */
  readonly checkCallers?: boolean;
  /** Every node's env, over the test defaults and the fleet's Redis. */
  readonly env?: Record<string, string>;
  /** How many nodes (default 1), or what each node's env adds to `env`, one entry per node. */
  readonly nodes?: number | readonly Record<string, string>[];
  /** Modules every node imports beside the service's. */
  readonly imports?: ModuleMetadata['imports'];
  /** Controllers every node serves beside the service's: the routes a test puts `@RateLimit()` on. */
  readonly controllers?: Type[];
  /** Rules written on the first node once all are up (each must be created: 201). */
  readonly rules?: readonly Record<string, unknown>[];
  /** Runs after the last test before the nodes stop: for what the test started on top of them. */
  readonly beforeStop?: () => unknown;
}

/** Nodes of one service fleet (one database, one Redis, one key prefix), up for one describe block. */
export interface ServiceFleet {
  /** One handle per node: usable from the describe block's first hook on. */
  readonly nodes: readonly RunningService[];
  /** The fleet's redis-server (`redis: 'own'` only). */
  readonly redis: RedisServerHandle;
  /** The fleet's database (`database: 'own'` only). */
  readonly database: TestDatabase;
  /** RATE_LIMIT_KEY_PREFIX of every node. */
  readonly prefix: string;
}

/** Redis and Postgres starts, a migration at most (this file's database is made in its own hook). */
const FLEET_SETUP_TIMEOUT_MS = 60_000;

/**
 * Call inside a describe block: starts the fleet's nodes before its first test and stops them
 * (and its own Redis) after its last. The handles stand for the nodes once started, so they can
 * be taken apart at the top of the block:
 *
 *     const [a, b] = useServiceFleet({ nodes: 2, controllers: [FixtureController] }).nodes;
 */
export function useServiceFleet(options: ServiceFleetOptions = {}): ServiceFleet {
  const prefix = uniquePrefix();
  const perNode =
    typeof options.nodes === 'object' ? options.nodes : Array.from({ length: options.nodes ?? 1 }, () => ({}));
  const running: (RunningService | undefined)[] = perNode.map(() => undefined);
  const imports = [...(options.imports ?? []), ...(options.controllers ? [fixtureModule(options.controllers)] : [])];
  let redis: RedisServerHandle | undefined;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    const mode = options.redis ?? 'machine';
    if (mode === 'own') redis = await startRedisServer(await freePort());
    if (options.database === 'own') database = await createMigratedDatabase();
    const env = {
      ...(database === undefined ? {} : { DATABASE_URL: database.url }),
      ...(mode === 'memory' ? {} : { REDIS_URL: redis?.url ?? MACHINE_REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix }),
      ...(options.checkCallers ? { CHECK_TOKENS: TEST_CHECK_TOKENS } : {}),
      ...options.env,
    };
    for (const [i, own] of perNode.entries()) running[i] = await startService({ ...env, ...own }, imports);
    for (const rule of options.rules ?? []) await createRule(running[0]!, rule);
  }, FLEET_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    try {
      await options.beforeStop?.();
    } finally {
      for (const node of running) await node?.close();
      await redis?.stop();
      await database?.drop();
    }
  });

  return {
    nodes: running.map((_, i) => startedNode(() => running[i], `node ${i + 1} of the fleet`)),
    get redis() {
      if (redis === undefined) throw new Error("the fleet has no redis-server of its own: pass redis: 'own'");
      return redis;
    },
    get database() {
      if (database === undefined) throw new Error("the fleet has no database of its own: pass database: 'own'");
      return database;
    },
    prefix,
  };
}

/** One node up for a describe block: `useServiceFleet(options)`'s only node. */
export function useService(options: Omit<ServiceFleetOptions, 'nodes'> = {}): RunningService {
  return useServiceFleet({ ...options, nodes: 1 }).nodes[0]!;
}

/** A module of the test's own routes. */
function fixtureModule(controllers: Type[]): Type {
  @Module({ controllers })
  class FixtureModule {}
  return FixtureModule;
}

/** A handle that reads the node `current()` returns, failing clearly while there is none. */
function startedNode(current: () => RunningService | undefined, name: string): RunningService {
  const node = () => {
    const started = current();
    if (started === undefined) throw new Error(`${name} is not running: it starts in the describe block's beforeAll`);
    return started;
  };
  return {
    get app() {
      return node().app;
    },
    get url() {
      return node().url;
    },
    logs: sharedLogs,
    close: async () => current()?.close(),
  };
}

/** Creates a rule over the admin API (it must be: 201) and returns what the API answered. */
export async function createRule(
  service: RunningService,
  body: Record<string, unknown>,
): Promise<{ id: string } & Record<string, unknown>> {
  const res = await adminFetch(service, 'POST', '/v1/admin/rules', body);
  expect(res.status).toBe(201);
  return json<{ id: string } & Record<string, unknown>>(res);
}

/** A response's JSON body, typed as the test expects it. */
export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** POSTs `body` (serialised as JSON unless it is a string) to `/v1/check`. */
export function postCheck(
  service: RunningService,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return sendJson(`${service.url}/v1/check`, 'POST', {
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** POSTs `body` to `/v1/check` as the service `tests` (see `checkCallers`): only such a caller may name an `ip`. */
export function postCheckAsCaller(
  service: RunningService,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return postCheck(service, body, { ...CALLER_HEADERS, ...headers });
}

/** Calls an admin route with the full admin token (or `token`), `body` as JSON when given. */
export function adminFetch(
  service: RunningService,
  method: string,
  path: string,
  body?: unknown,
  token = TEST_ADMIN_TOKEN,
): Promise<Response> {
  return sendJson(`${service.url}${path}`, method, {
    body: body === undefined ? undefined : JSON.stringify(body),
    token,
  });
}

/**
 * The log lines matching `predicate`, once there is at least one: a request's "completed" line is
 * written when the response has been flushed, which can be just after the client has it.
 */
export async function logLinesWhere(
  service: RunningService,
  predicate: (line: LogLine) => boolean,
): Promise<LogLine[]> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const lines = service.logs.filter(predicate);
    if (lines.length > 0 || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Ports this worker handed out: their server may not have bound them yet. */
const handedOutPorts = new Set<number>();

/** Ports per Jest worker: the workers draw from bands of their own in 10000-19999. */
const WORKER_BAND = 1_000;

/**
 * fetch() refuses to connect to the Fetch standard's "bad ports" ("bad port" error); of them only
 * 10080 lies in 10000-19999. A CI run drew it once.
 */
const FETCH_BAD_PORTS = new Set([10_080]);

/**
 * A loopback port nothing listens on right now, for servers a test starts or expects closed. It is
 * drawn from 10000-19999: below Linux's ephemeral range (32768+), where a port the OS hands out is
 * free again once probed and an outgoing connection of a parallel worker may take it as its local
 * port before the test's server binds it, and clear of the fixed ports some tests use (6389-7103,
 * 26397-26398). Each Jest worker (`JEST_WORKER_ID`) draws from a band of 1,000 of its own: two
 * workers that drew the same port before either bound it would start two redis-servers there, and
 * a start shuts down what answers on its port.
 */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const canBind = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const band = 10_000 + ((Number.isSafeInteger(worker) && worker > 0 ? worker - 1 : 0) % 10) * WORKER_BAND;
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = band + Math.floor(Math.random() * WORKER_BAND);
    if (FETCH_BAD_PORTS.has(port) || handedOutPorts.has(port) || !(await canBind(port))) continue;
    handedOutPorts.add(port);
    return port;
  }
  throw new Error('no free loopback port in 10000-19999');
}
