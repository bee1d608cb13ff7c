/**
 * The built service as a process: `node <build>/main.js`. It is compiled here with tsc into a
 * private temp directory (not dist/, which other builds on this machine may be rewriting), with
 * the limiter's Lua scripts copied beside it as `npm run build` does, and the package's `prisma/`
 * folder and `prisma.config.ts` linked beside it (the migrations are applied from there), then
 * bundled as `npm run build` bundles it: without tracing, the node runs from the bundle. Without
 * DATABASE_URL each run uses the embedded Postgres in a temp DATA_DIR of its own.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { bundleService } from '../../../scripts/bundle-service.mjs';
import { codeCacheFile, compileBundle } from '../../../src/startup/bundled-service.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../support/otlp-receiver.js';
import { createMigratedDatabase, type TestDatabase } from '../../db/support/test-database.js';
import { freePort, TEST_ADMIN_TOKEN, uniquePrefix } from './service-harness.js';

const root = process.cwd();
let buildDir: string;
let mainJs: string;

function copyLuaScripts(from: string, to: string): void {
  for (const item of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, item.name);
    if (item.isDirectory()) copyLuaScripts(path, to);
    else if (item.name.endsWith('.lua')) cpSync(path, join(to, relative(join(root, 'src'), path)));
  }
}

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'fg-service-build-'));
  writeFileSync(join(buildDir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const item of ['node_modules', 'prisma', 'prisma.config.ts'])
    symlinkSync(join(root, item), join(buildDir, item));
  const tsconfig = join(buildDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: {
        outDir: join(buildDir, 'dist'),
        rootDir: join(root, 'src'),
        declaration: false,
        sourceMap: false,
      },
      include: [join(root, 'src')],
      exclude: [join(root, 'src/**/*.spec.ts'), join(root, 'src/**/*.contract.ts')],
    }),
  );
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig]).catch(
    (error: Error & { stdout?: string }) => {
      throw new Error(`the service does not compile:\n${error.stdout ?? error.message}`);
    },
  );
  copyLuaScripts(join(root, 'src'), join(buildDir, 'dist'));
  await bundleService(join(buildDir, 'dist'));
  mainJs = join(buildDir, 'dist', 'main.js');
}, 120_000);

const dataDirs: string[] = [];

/** A fresh DATA_DIR, removed after the file's tests. */
function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fg-service-data-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(() => {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Every node a test started and that has not exited: killed after the test, whatever its outcome. */
const running = new Set<ChildProcess>();

function run(env: Record<string, string>): { child: ChildProcess; exited: Promise<Exited>; output: () => string } {
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', DATA_DIR: env.DATA_DIR ?? tempDataDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Exited>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited, output: () => stdout };
}

async function waitForOutput(output: () => string, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls `/health` until it answers; its status. */
async function waitForHealth(port: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/health`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200 || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Floodgate service process', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    // A test that failed before stopping its node would otherwise leave it running, and Jest with it.
    await Promise.all(
      [...running].map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    await database?.drop();
    database = undefined;
  });

  it('stops at startup with the bad variable named (exit 1)', async () => {
    const { exited } = run({ PORT: 'eighty' });
    const result = await exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT="eighty" must be an integer from 0 to 65535');
  }, 20_000);

  it('starts from its bundle: no package is loaded from node_modules but the optional OpenTelemetry API', async () => {
    const port = await freePort();
    database = await createMigratedDatabase();
    // NODE_DEBUG lists every file Node loads, CommonJS (`load "<path>"`) and ES module (`Storing <url>`).
    const { child, exited } = run({
      PORT: String(port),
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MIGRATE_ON_START: 'false',
      NODE_DEBUG: 'module,esm',
    });
    const health = await waitForHealth(port);
    expect(health).toBe(200);
    child.kill('SIGTERM');
    const { stderr, code } = await exited;
    expect(code).toBe(0);
    const loaded = [...stderr.matchAll(/(?:load "|Storing file:\/\/)(\S*?\/node_modules\/(?:@[^/]+\/)?[^/"\s]+)/g)];
    const packages = new Set(loaded.map((match) => match[1].replace(/.*\/node_modules\//, '')));
    // The bundle is compiled by its loader (not Node's), which is the one service file Node loads.
    expect(stderr).toContain('dist/startup/bundled-service.js');
    expect(stderr).not.toMatch(/Storing file:\/\/\S*\/dist\/server\.js/);
    expect([...packages]).toEqual(['@opentelemetry/api']);
  }, 60_000);

  it('bundles into ASCII only: the loader reads the bundle as latin1, which would garble any other byte', () => {
    const bytes = readFileSync(join(buildDir, 'dist', 'server.bundle.cjs'));
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });

  it('compiles its bundle from the code cache the build wrote, and without it once the bundle changed', () => {
    const bundle = join(buildDir, 'dist', 'server.bundle.cjs');
    expect(compileBundle(bundle).fromCache).toBe(true);
    // One character changed, the length kept: V8's own check (the length) would take the stale cache.
    const copy = join(mkdtempSync(join(tmpdir(), 'fg-bundle-')), 'server.bundle.cjs');
    const source = readFileSync(bundle, 'latin1');
    const at = source.indexOf('"use strict"');
    expect(at).toBeGreaterThanOrEqual(0);
    writeFileSync(copy, `${source.slice(0, at)}'use strict'${source.slice(at + "'use strict'".length)}`, 'latin1');
    cpSync(codeCacheFile(bundle), codeCacheFile(copy));
    expect(compileBundle(copy).fromCache).toBe(false);
    rmSync(dirname(copy), { recursive: true, force: true });
  });

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const port = await freePort();
    // A database migrated here (quicker than the embedded one's first start), so the node skips migrating.
    database = await createMigratedDatabase();
    const { child, exited, output } = run({
      PORT: String(port),
      NODE_ID: 'proc-test',
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MIGRATE_ON_START: 'false',
    });
    await waitForOutput(output, 'Listening on');
    expect(output()).toContain('Migrations: not applied (MIGRATE_ON_START=false)');

    // A request whose body is still arriving when SIGTERM comes: in flight, not yet answered.
    const body = JSON.stringify({ clientId: 'in-flight' });
    const response = new Promise<{ status: number; text: string; correlationId: unknown }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/check',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-correlation-id': 'drain-1' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode!, text, correlationId: res.headers['x-correlation-id'] }),
          );
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 300);
      }, 300);
    });

    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text)).toMatchObject({ allowed: true, rule: 'default' });
    expect(answered.correlationId).toBe('drain-1');
    const result = await exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => String(line.msg).startsWith('SIGTERM received'))).toBe(true);
    expect(lines.find((line) => line.correlationId === 'drain-1')).toMatchObject({
      nodeId: 'proc-test',
      msg: 'request completed',
    });
  }, 30_000);

  it('answers every request of busy keep-alive clients on SIGTERM: no reset, then refuses new connections, exits 0', async () => {
    const port = await freePort();
    database = await createMigratedDatabase();
    const { child, exited, output } = run({
      PORT: String(port),
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MIGRATE_ON_START: 'false',
      DEFAULT_LIMIT: '1000000',
    });
    await waitForOutput(output, 'Listening on');
    // 16 clients that never pause, each on a keep-alive connection, going on until refused.
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify({ clientId: 'busy' });
    let signalled = false;
    const outcomes = { beforeSignal: 0, afterSignal: 0, closedAfterSignal: 0, refused: 0, errors: [] as string[] };
    const post = () =>
      new Promise<'answered' | 'refused'>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/check',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode !== 200) outcomes.errors.push(`status ${res.statusCode}`);
              if (!signalled) outcomes.beforeSignal++;
              else {
                outcomes.afterSignal++;
                if (res.headers.connection === 'close') outcomes.closedAfterSignal++;
              }
              resolve('answered');
            });
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') outcomes.refused++;
          else outcomes.errors.push(error.code ?? error.message);
          resolve('refused');
        });
        req.end(body);
      });
    const lanes = Array.from({ length: 16 }, async () => {
      while ((await post()) === 'answered');
    });
    try {
      while (outcomes.beforeSignal < 500) await new Promise((resolve) => setTimeout(resolve, 20));
      signalled = true;
      child.kill('SIGTERM');
      await Promise.all(lanes);
    } finally {
      agent.destroy();
    }
    const result = await exited;
    expect(outcomes.errors).toEqual([]);
    expect(outcomes.refused).toBe(16);
    // Requests already on their way when the signal came were answered, each closing its connection.
    expect(outcomes.afterSignal).toBeGreaterThan(0);
    expect(outcomes.closedAfterSignal).toBeGreaterThan(0);
    expect(result.code).toBe(0);
  }, 30_000);

  it('refuses DATABASE_URL without ADMIN_TOKEN, naming ADMIN_TOKEN and not repeating the URL (exit 1)', async () => {
    const { exited } = run({ DATABASE_URL: 'postgresql://app:pw-SECRET@127.0.0.1:5432/floodgate' });
    const result = await exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ADMIN_TOKEN is required when DATABASE_URL is set');
    expect(result.stderr + result.stdout).not.toContain('pw-SECRET');
  }, 20_000);

  it('stops when the migrations cannot be applied, saying where (exit 1)', async () => {
    const { exited } = run({
      DATABASE_URL: 'postgresql://postgres:pw-SECRET@127.0.0.1:5432/floodgate_missing_database',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    });
    const result = await exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'floodgate: cannot start: migrations failed on 127.0.0.1:5432/floodgate_missing_database: ',
    );
    expect(result.stderr).toContain('"floodgate_missing_database" does not exist');
    expect(result.stderr + result.stdout).not.toContain('pw-SECRET');
  }, 20_000);

  it('runs without DATABASE_URL on the embedded Postgres, prints a generated token once, and keeps the data', async () => {
    const dataDir = tempDataDir();
    const first = await startEmbedded(dataDir);
    expect(first.migrations).toMatch(
      /^Migrations: applied 3 \(\d{14}_init, \d{14}_control_plane, \d{14}_database_id\)$/,
    );
    const health = await fetch(`http://127.0.0.1:${first.port}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as Record<string, unknown>).details).toEqual({
      rateLimitStore: { status: 'up' },
      database: { status: 'up' },
      rules: { status: 'up', version: 0 },
    });
    // A row written through the embedded server's own URL, to be read back after a restart.
    await onDatabase(first.databaseUrl, (client) => client.query('UPDATE rules_version SET version = 41'));
    const firstExit = await first.stop();
    expect(firstExit.code).toBe(0);

    const second = await startEmbedded(dataDir);
    expect(second.migrations).toBe('Migrations: applied 0, the schema is up to date');
    expect(second.token).not.toBe(first.token);
    const versions = await onDatabase(second.databaseUrl, (client) =>
      client.query('SELECT version FROM rules_version'),
    );
    expect(versions.rows).toEqual([{ version: '41' }]);
    expect((await second.stop()).code).toBe(0);
  }, 90_000);
});

/** Runs `work` on one connection to `url`. */
async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

type LogLine = Record<string, unknown> & { msg: string; level: number };

/**
 * Starts the service without DATABASE_URL on `dataDir` and reads its startup lines: the generated
 * token (checked to appear exactly once, as a warning), the migrations line and the embedded URL.
 */
async function startEmbedded(dataDir: string) {
  const port = await freePort();
  const { child, exited, output } = run({ PORT: String(port), DATA_DIR: dataDir });
  // The last startup line: the URLs a user opens next.
  await waitForOutput(output, 'API docs: ', 60_000).catch(async (error: Error) => {
    child.kill('SIGKILL');
    const result = await exited;
    throw new Error(`${error.message}\nstderr:\n${result.stderr}`);
  });
  const lines = output()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine);
  const tokenLines = lines.filter((line) => line.msg.startsWith('generated ADMIN_TOKEN'));
  expect(tokenLines).toHaveLength(1);
  expect(tokenLines[0]!.level).toBe(40);
  const token = /^generated ADMIN_TOKEN for this run: ([A-Za-z0-9_-]{32}) \(set ADMIN_TOKEN to keep one\)$/.exec(
    tokenLines[0]!.msg,
  )?.[1];
  expect(token).toBeDefined();
  expect(output().split(token!)).toHaveLength(2);
  const urls = lines.find((line) => line.msg.startsWith('Health: '))?.msg;
  expect(urls).toMatch(new RegExp(`^Health: (http://[^ ]+:${port})/health  API docs: \\1/docs  Metrics: \\1/metrics$`));
  const database = lines.find((line) => line.msg.startsWith('Database: '))?.msg ?? '';
  expect(database).toContain(`embedded Postgres (PGlite, data in ${dataDir})`);
  // A Unix socket in DATA_DIR, never a TCP port: PGlite's server asks for no password.
  const socketDir = /at (\/\S+) \(Unix socket\)\/postgres$/.exec(database)?.[1];
  expect(socketDir).toBe(join(dataDir, 'socket'));
  return {
    port,
    token: token!,
    migrations: lines.find((line) => line.msg.startsWith('Migrations: '))?.msg ?? '',
    databaseUrl: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir!)}`,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('Floodgate service process, traced (OTEL_EXPORTER_OTLP_ENDPOINT set)', () => {
  let database: TestDatabase;
  let receiver: OtlpReceiver;
  let stop: () => Promise<Exited>;
  let port: number;
  let output: () => string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    receiver = await startOtlpReceiver();
    port = await freePort();
    const started = run({
      PORT: String(port),
      NODE_ID: 'traced-node',
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      MIGRATE_ON_START: 'false',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
      DEFAULT_LIMIT: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'floodgate-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    output = started.output;
    stop = () => {
      started.child.kill('SIGTERM');
      return started.exited;
    };
    await waitForOutput(output, 'Listening on');
  }, 60_000);
  afterAll(async () => {
    // The collector is gone by then: the node's shutdown gives the last spans 2 s, no more.
    const exited = await stop?.();
    expect(exited?.code).toBe(0);
    await receiver?.close().catch(() => undefined);
    await database?.drop();
  }, 15_000);

  it("continues the caller's trace through HTTP, Fastify, the decision and Redis, and names it in the response and the logs", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const check = (correlationId: string) =>
      fetch(`http://127.0.0.1:${port}/v1/check`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${callerSpanId}-01`,
          'x-correlation-id': correlationId,
        },
        body: JSON.stringify({ clientId: 'client-id-never-in-a-span' }),
      });
    const allowed = await check('traced-allowed');
    const limited = await check('traced-limited');
    expect([allowed.status, limited.status]).toEqual([200, 429]);
    expect(limited.headers.get('x-trace-id')).toBe(traceId);

    const decisionOf = (spans: readonly ReceivedSpan[], correlationId: string) =>
      spans.find((s) => s.name === 'floodgate.decision' && s.attributes['floodgate.correlation_id'] === correlationId);
    const spans = await receiver.waitFor((all) => {
      const ours = all.filter((s) => s.traceId === traceId);
      return decisionOf(ours, 'traced-limited') !== undefined && ours.filter((s) => s.kind === 2).length === 2;
    });
    const trace = spans.filter((s) => s.traceId === traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const chain: ReceivedSpan[] = [];
      for (let parent = byId.get(span.parentSpanId ?? ''); parent; parent = byId.get(parent.parentSpanId ?? '')) {
        chain.push(parent);
      }
      return chain;
    };

    // The refused request's decision: its attributes, under the HTTP server span, under the caller's span.
    const decision = decisionOf(trace, 'traced-limited')!;
    expect(decision.attributes).toMatchObject({
      'floodgate.rule': 'default',
      'floodgate.algorithm': 'sliding_window',
      'floodgate.outcome': 'limited',
      'floodgate.remaining': 0,
      'floodgate.entry': 'check',
    });
    const chain = ancestors(decision);
    const server = chain.find((s) => s.kind === 2)!;
    expect(server).toMatchObject({ name: 'POST /v1/check', scope: '@opentelemetry/instrumentation-http' });
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.attributes['http.response.status_code']).toBe(429);
    // Fastify's spans sit between the server span and the decision (the route's handler).
    expect(chain.some((s) => s.scope === '@fastify/otel' && s.attributes['http.route'] === '/v1/check')).toBe(true);
    expect(server.resource['service.name']).toBe('floodgate-under-test');

    // The store call of a decision is its child: the EVALSHA of the rate-limit script.
    const redisCalls = trace.filter((s) => s.attributes['db.system.name'] === 'redis');
    expect(redisCalls.length).toBeGreaterThanOrEqual(1);
    for (const call of redisCalls) expect(byId.get(call.parentSpanId ?? '')?.name).toBe('floodgate.decision');
    expect(redisCalls.map((s) => s.attributes['db.query.text'])).toContain('evalsha');

    // Never the caller: no span of the trace carries the client id.
    expect(JSON.stringify(trace)).not.toContain('client-id-never-in-a-span');

    // Every log line of the request carries the trace id next to its correlation id.
    await waitForOutput(output, '"correlationId":"traced-limited"');
    const lines = output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.correlationId === 'traced-limited');
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toMatchObject({ traceId, nodeId: 'traced-node' });
  }, 30_000);

  it('starts a trace for a request without traceparent, and none for health, metrics or background polls', async () => {
    const fresh = await fetch(`http://127.0.0.1:${port}/v1/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'fresh-trace' },
      body: JSON.stringify({ clientId: 'fresh' }),
    });
    const traceId = fresh.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.traceId === traceId && s.kind === 2 && s.parentSpanId === undefined),
    );
    expect(spans.some((s) => s.traceId === traceId && s.name === 'floodgate.decision')).toBe(true);
    await fetch(`http://127.0.0.1:${port}/health`);
    await fetch(`http://127.0.0.1:${port}/metrics`);
    // The rules version poll runs every 5 s, the outbox pass every 2 s: give them time to run.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const paths = receiver.spans.map((s) => String(s.attributes['url.path'] ?? ''));
    expect(paths.filter((path) => path.startsWith('/health') || path.startsWith('/metrics'))).toEqual([]);
    // Every trace is a request's: the root of any trace received is an HTTP server span.
    const roots = receiver.spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.filter((s) => s.kind !== 2).map((s) => s.name)).toEqual([]);
  }, 30_000);

  it('goes on answering when the trace collector is gone (the spans are dropped)', async () => {
    await receiver.close();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: `collector-gone-${i}` }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
    }
    // Past the export delay: a failed export must not have broken anything.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
  });
});
