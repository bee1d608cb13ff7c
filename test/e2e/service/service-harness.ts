/**
 * Boots the real Floodgate service in-process on an ephemeral port, with its JSON log lines
 * captured, and talks to it over a real socket (Fastify's inject() cannot run under Jest ESM).
 * Each test file that starts the service calls `useServiceDatabase()` once: the service then runs
 * on a fresh, migrated database of the machine's Postgres, made for that file and dropped after it.
 */
import { randomUUID } from 'node:crypto';
import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../../src/bootstrap.js';
import { loadConfig } from '../../../src/config/index.js';
import { createMigratedDatabase, type TestDatabase } from '../../db/support/test-database.js';

/** The ADMIN_TOKEN of every in-process service (the config requires one with DATABASE_URL). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A `/v1/check` caller token: `CHECK_TOKENS: TEST_CHECK_TOKENS` in a service's env makes its callers authenticate. */
export const TEST_CHECK_TOKEN = 'test-check-token-0123456789';
export const TEST_CHECK_TOKENS = `tests=${TEST_CHECK_TOKEN}`;
/** The headers of a `/v1/check` call from the service `tests` (see `TEST_CHECK_TOKENS`). */
export const CALLER_HEADERS: Readonly<Record<string, string>> = { authorization: `Bearer ${TEST_CHECK_TOKEN}` };

/** Creating a database is quick; migrating it starts the Prisma CLI (a couple of seconds). */
const DATABASE_SETUP_TIMEOUT_MS = 60_000;

/** This test file's database (Jest gives each test file its own copy of this module). */
let fileDatabase: TestDatabase | undefined;

/**
 * Call once at the top level of a test file: creates this file's database before its first test
 * and drops it after its last; `startService()` uses it unless given a DATABASE_URL.
 */
export function useServiceDatabase(): void {
  beforeAll(async () => {
    fileDatabase = await createMigratedDatabase();
  }, DATABASE_SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await fileDatabase?.drop();
    fileDatabase = undefined;
  });
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
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return { app, url, logs: sharedLogs, close: () => app.close() };
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
  return fetch(`${service.url}/v1/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Calls an admin route with the full admin token (or `token`), `body` as JSON when given. */
export function adminFetch(
  service: RunningService,
  method: string,
  path: string,
  body?: unknown,
  token = TEST_ADMIN_TOKEN,
): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
