/**
 * The library as another project consumes it: fixture apps (plain .mjs under ./fixtures) import
 * `floodgate/limiter` and run under plain `node`, so the import resolves through package.json's
 * exports map and the built dist/, not through ts-jest and src/.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFixture as startFixtureIn, STARTUP_DEADLINE_MS, type Fixture } from './support/fixture-process.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const BUILT_ENTRY = `${ROOT}dist/limiter/index.js`;
const REDIS_URL = 'redis://127.0.0.1:6379';
const BUILD_TIMEOUT_MS = 120_000;

/** Builds dist/ if it is not there: the fixtures can only import what the exports map points at. */
function ensureBuilt(): void {
  if (existsSync(BUILT_ENTRY)) return;
  try {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, stdio: 'pipe' });
  } catch (error) {
    // tsc prints compile errors on stdout, which execFileSync's message leaves out.
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    const output = `${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`.slice(0, 4_000);
    throw new Error(`the build failed, so dist/ cannot be tested:\n${output}`, { cause: error });
  }
}

/** Runs `node fixtures/<file> ...args` from the package root, where `floodgate/limiter` resolves. */
const startFixture = (file: string, args: string[]) => startFixtureIn(`${FIXTURES}${file}`, args, { cwd: ROOT });

/** Every built file `entry` imports, directly or not, following relative import specifiers. */
function importGraph(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(entry, 'utf8');
  for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    importGraph(resolvePath(dirname(entry), specifier!), seen);
  }
  return seen;
}

/** What `node fixtures/import-specifier.mjs <specifier>` reports. */
interface ImportOutcome {
  readonly ok: boolean;
  readonly exports?: string[];
  readonly code?: string;
}

function importFromInsidePackage(specifier: string): ImportOutcome {
  const output = execFileSync(process.execPath, [`${FIXTURES}import-specifier.mjs`, specifier], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: STARTUP_DEADLINE_MS,
  });
  return JSON.parse(output) as ImportOutcome;
}

const LEGACY_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'] as const;

async function get(fixture: Fixture, path: string) {
  const response = await fetch(`${fixture.url}${path}`, { signal: AbortSignal.timeout(5_000) });
  const headers = Object.fromEntries(LEGACY_HEADERS.map((name) => [name, response.headers.get(name)]));
  return { status: response.status, headers, body: (await response.json()) as unknown };
}

beforeAll(ensureBuilt, BUILD_TIMEOUT_MS + 10_000);

describe("the package's exports map", () => {
  it("exposes the limiter's public surface as floodgate/limiter", () => {
    const outcome = importFromInsidePackage('floodgate/limiter');
    expect(outcome.ok).toBe(true);
    // The values of the stable surface (its types vanish at run time), and nothing internal.
    expect(outcome.exports).toEqual([
      'BaseRateLimitStore',
      'CallerGate',
      'InjectRateLimitOptions',
      'InjectRateLimitStore',
      'LIMIT_AS_USUAL',
      'MemoryRateLimitStore',
      'PolicyResolver',
      'RateLimit',
      'RateLimitException',
      'RateLimitGuard',
      'RateLimitModule',
      'RateLimitStore',
      'RateLimiter',
      'SkipRateLimit',
      'compileRateLimit',
      'getRateLimitOptionsToken',
      'getRateLimitStoreToken',
    ]);
  });

  it('keeps the store contract behind floodgate/limiter/testing: the main entry never loads a test framework', () => {
    const testing = [...importGraph(resolvePath(ROOT, 'dist/limiter/testing.js'))];
    expect(testing.some((file) => file.endsWith('/dist/limiter/store/store.contract.js'))).toBe(true);
    expect(readFileSync(resolvePath(ROOT, 'dist/limiter/store/store.contract.js'), 'utf8')).toContain('@jest/globals');
    const main = [...importGraph(BUILT_ENTRY)];
    expect(main.filter((file) => file.includes('store.contract'))).toEqual([]);
    expect(main.filter((file) => readFileSync(file, 'utf8').includes('@jest/globals'))).toEqual([]);
    const resolved = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('floodgate/limiter/testing'))"],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(fileURLToPath(resolved)).toBe(resolvePath(ROOT, 'dist/limiter/testing.js'));
  });

  it('exposes the rules resolver for library-only apps as floodgate/rules-client, without the database', () => {
    const outcome = importFromInsidePackage('floodgate/rules-client');
    expect(outcome).toMatchObject({ ok: true, exports: ['DEFAULT_RULES_CHANNEL', 'RedisRulesResolver'] });
    // An app without Postgres must not load the Prisma client: nothing under dist/db is imported.
    const files = [...importGraph(resolvePath(ROOT, 'dist/rules/client.js'))];
    expect(files.some((file) => file.includes('/dist/rules/redis-rules.resolver.js'))).toBe(true);
    expect(files.filter((file) => file.includes('/dist/db/'))).toEqual([]);
  });

  it('exposes the whole control plane for library-only apps as floodgate/control-plane-client, without the database', () => {
    const outcome = importFromInsidePackage('floodgate/control-plane-client');
    expect(outcome).toMatchObject({
      ok: true,
      exports: [
        'CONTROL_PLANE_CLIENT_OPTIONS',
        'ControlPlaneClient',
        'ControlPlaneClientModule',
        'DEFAULT_RULES_CHANNEL',
      ],
    });
    const files = [...importGraph(resolvePath(ROOT, 'dist/control-plane-client/index.js'))];
    expect(files.some((file) => file.includes('/dist/access/access-gate.js'))).toBe(true);
    expect(files.filter((file) => file.includes('/dist/db/'))).toEqual([]);
  });

  it('refuses a deep import of a file that exists but is not exported', () => {
    expect(existsSync(BUILT_ENTRY)).toBe(true);
    expect(importFromInsidePackage('floodgate/dist/limiter/index.js')).toMatchObject({
      ok: false,
      code: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });
});

const CASES = [
  { adapter: 'FastifyAdapter', file: 'fastify-app.mjs', store: 'Redis' },
  { adapter: 'FastifyAdapter', file: 'fastify-app.mjs', store: 'memory' },
  { adapter: 'ExpressAdapter', file: 'express-app.mjs', store: 'Redis' },
  { adapter: 'ExpressAdapter', file: 'express-app.mjs', store: 'memory' },
] as const;
type Case = (typeof CASES)[number];

const fixtures = new Map<Case, Fixture>();

// All at once: most of each startup is Node loading Nest, which overlaps well.
beforeAll(async () => {
  const started = await Promise.allSettled(
    CASES.map(async (c) => {
      // The shared Redis: a prefix of this run's own keeps its counters apart from everyone else's.
      const args = c.store === 'Redis' ? [REDIS_URL, `fg-e2e-pkg-${randomUUID()}`] : [];
      fixtures.set(c, await startFixture(c.file, args));
    }),
  );
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}, STARTUP_DEADLINE_MS + 5_000);

afterAll(async () => {
  await Promise.all([...fixtures.values()].map((f) => f.stop()));
});

describe.each(CASES)('a Nest app on $adapter importing floodgate/limiter ($store store)', (c) => {
  const fixture = () => fixtures.get(c)!;

  it('limits a @RateLimit route: 200s with X-RateLimit-* headers, then 429', async () => {
    const answers = [
      await get(fixture(), '/limited'),
      await get(fixture(), '/limited'),
      await get(fixture(), '/limited'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[0]).toEqual({
      status: 200,
      headers: { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': expect.any(String) },
      body: { route: 'limited' },
    });
    expect(answers[1]!.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' });
    expect(answers[2]!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', rule: 'GET /limited' });
  });

  it("applies the module's default to an undecorated route", async () => {
    const first = await get(fixture(), '/defaulted');
    expect(first.headers['x-ratelimit-limit']).toBe('1');
    expect((await get(fixture(), '/defaulted')).status).toBe(429);
  });

  it('never limits a @SkipRateLimit route, and sends it no rate-limit headers', async () => {
    for (let i = 0; i < 5; i++) {
      expect(await get(fixture(), '/skipped')).toEqual({
        status: 200,
        headers: { 'x-ratelimit-limit': null, 'x-ratelimit-remaining': null, 'x-ratelimit-reset': null },
        body: { route: 'skipped' },
      });
    }
  });
});
