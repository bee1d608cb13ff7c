/**
 * `@floodgate/limiter` as a user gets it: `npm pack -w @floodgate/limiter` (whose prepack builds
 * it), the tarball installed into a fresh Nest app in a temp folder, and that app run under plain
 * Node on Fastify and on Express. Also: what the tarball holds, what the install pulled in, and the
 * README's library section compiled against the installed package's types.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { startFixture, STARTUP_DEADLINE_MS, type Fixture } from './support/fixture-process.js';
import { librarySection, optionTables, typeScriptBlocks } from './support/readme.js';
import { exportedNames, exportsWithoutTag, propertiesOf, undocumentedExports } from './support/api-docs.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PACKAGE_DIR = join(ROOT, 'packages/limiter');
const REDIS_URL = 'redis://127.0.0.1:6379';
/** Packing builds the library with tsc; installing reads the npm cache first: generous on 2 loaded cores. */
const SETUP_TIMEOUT_MS = 240_000;

/**
 * Every package the library brings into an app (its dependencies and theirs), by name. Anything
 * else appearing here is a new dependency of the library, to be weighed before it ships.
 */
const LIBRARY_CLOSURE = [
  '@ioredis/commands',
  'cluster-key-slot',
  'cockatiel',
  'debug',
  'denque',
  'ioredis',
  'ipaddr.js',
  'ms',
  'redis-errors',
  'redis-parser',
  'standard-as-callback',
];
/**
 * The library's stable names (its main entry), sorted: a name added or dropped here is a change of
 * the public API, to be made on purpose.
 */
const PUBLIC_API = [
  'Algorithm',
  'BaseRateLimitStore',
  'CallerGate',
  'CallerQuery',
  'CallerVerdict',
  'ConsumeRequest',
  'ConsumeResult',
  'DecisionPart',
  'FailMode',
  'InjectRateLimitOptions',
  'InjectRateLimitStore',
  'LIMIT_AS_USUAL',
  'LimitSpec',
  'MemoryRateLimitStore',
  'PolicyQuery',
  'PolicyResolver',
  'RateLimit',
  'RateLimitDecision',
  'RateLimitException',
  'RateLimitGuard',
  'RateLimitModule',
  'RateLimitModuleExtras',
  'RateLimitModuleOptions',
  'RateLimitOptions',
  'RateLimitPolicy',
  'RateLimitStore',
  'RateLimiter',
  'RefundRequest',
  'ReleaseRequest',
  'SkipRateLimit',
  'StateUpdate',
  'StoreTarget',
  'StoredState',
  'compileRateLimit',
  'getRateLimitOptionsToken',
  'getRateLimitStoreToken',
];
/** Service dependencies the library must never bring into an app. */
const SERVICE_ONLY =
  /^(?:prisma|@prisma\/.*|@electric-sql\/.*|pg|pino.*|nestjs-pino|@nestjs\/swagger|swagger-ui-dist|class-validator|class-transformer|@opentelemetry\/.*)$/;
/**
 * Overrides of this repository that make Nest 12 itself install without EBADENGINE on Node 20
 * (README, "Node and npm"): an app on Node 20 needs them whatever it uses Nest with.
 */
const NODE_20_OVERRIDES = ['file-type', 'light-my-request', 'content-disposition'];
/** What the temp app installs itself, at the versions this repository has (so the npm cache has them). */
const APP_DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  'reflect-metadata',
  'rxjs',
];

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const versionOf = (name: string) =>
  readJson<{ version: string }>(join(ROOT, 'node_modules', name, 'package.json')).version;
const rootOverrides = readJson<{ overrides: Record<string, unknown> }>(join(ROOT, 'package.json')).overrides;

/** npm run from here, without the npm_* variables of the `npm test` around us (its prefix, its config). */
async function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  try {
    return await promisify(execFile)('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`.slice(0, 8_000), { cause: error });
  }
}

/** One entry of `npm pack --json`. */
interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: { readonly path: string }[];
}

/** An entry of package-lock.json's `packages`, keyed by its folder (`node_modules/a/node_modules/b`). */
interface LockedPackage {
  readonly name?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** The folder Node would load `name` from, required from the package in `from`, as the lock file lays them out. */
function resolveLocked(packages: Record<string, LockedPackage>, from: string, name: string): string | undefined {
  for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
  }
}

const packageName = (folder: string) => folder.slice(folder.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** The packages reachable from `folder` through dependencies (not peers: those are the app's). */
function closureOf(packages: Record<string, LockedPackage>, folder: string, seen = new Set<string>()): Set<string> {
  const entry = packages[folder]!;
  for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
    const dependency = resolveLocked(packages, folder, name);
    if (dependency === undefined || seen.has(dependency)) continue;
    seen.add(dependency);
    closureOf(packages, dependency, seen);
  }
  return seen;
}

function luaScriptsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.lua'))
    .sort();
}

let app: string;
let packed: PackResult;
let packedAt: number;
let installOutput: string;
let lock: { packages: Record<string, LockedPackage> };
const fixtures = new Map<string, Fixture>();

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'fg-library-app-'));
  const startedAt = Date.now();
  // The JSON is the last thing npm writes: before it come the prepack's own lines.
  const pack = await npm(['pack', '--workspace', '@floodgate/limiter', '--pack-destination', app, '--json'], ROOT);
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.lastIndexOf('\n[') + 1)) as PackResult[])[0]!;
  packedAt = statSync(join(PACKAGE_DIR, 'dist/index.js')).mtimeMs;
  expect(packedAt).toBeGreaterThanOrEqual(startedAt - 1_000);

  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'fg-library-app',
      private: true,
      type: 'module',
      dependencies: {
        '@floodgate/limiter': `file:./${packed.filename}`,
        ...Object.fromEntries(APP_DEPENDENCIES.map((name) => [name, versionOf(name)])),
      },
      overrides: Object.fromEntries(NODE_20_OVERRIDES.map((name) => [name, rootOverrides[name]])),
    }),
  );
  const install = await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], app);
  installOutput = `${install.stdout}${install.stderr}`;
  lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as typeof lock;

  for (const file of ['app-module.mjs', 'fastify-app.mjs', 'express-app.mjs']) {
    copyFileSync(join(FIXTURES, file), join(app, file));
  }
  const env = { ...process.env, FLOODGATE_LIMITER: '@floodgate/limiter' };
  const cases: [string, string, string[]][] = [
    ['fastify redis', 'fastify-app.mjs', [REDIS_URL, `fg-e2e-lib-${randomUUID()}`]],
    ['express redis', 'express-app.mjs', [REDIS_URL, `fg-e2e-lib-${randomUUID()}`]],
    ['fastify memory', 'fastify-app.mjs', []],
  ];
  const started = await Promise.allSettled(
    cases.map(async ([name, file, args]) =>
      fixtures.set(name, await startFixture(join(app, file), args, { cwd: app, env })),
    ),
  );
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}, SETUP_TIMEOUT_MS + STARTUP_DEADLINE_MS);

afterAll(async () => {
  await Promise.all([...fixtures.values()].map((f) => f.stop()));
  if (app !== undefined) rmSync(app, { recursive: true, force: true });
});

describe('the packed @floodgate/limiter', () => {
  it('holds the built JavaScript, its declarations and every Lua script, and nothing else', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files.filter((f) => !/^dist\/.+\.(?:js|d\.ts|lua)$/.test(f))).toEqual(['README.md', 'package.json']);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/rate-limit.module.js']));
    // Each script the Redis store loads, at the path it loads it from (beside the built store).
    const lua = files.filter((f) => f.endsWith('.lua'));
    expect(lua).toEqual(luaScriptsUnder(join(ROOT, 'src/limiter')).map((f) => `dist/${f}`));
    expect(files.filter((f) => /\.spec\./.test(f))).toEqual([]);
    // The store contract ships for store authors, behind its own entry.
    expect(files).toEqual(
      expect.arrayContaining(['dist/testing.js', 'dist/testing.d.ts', 'dist/store/store.contract.js']),
    );
  });

  it('declares what the limiter imports: ioredis, cockatiel, ipaddr.js, cluster-key-slot; Nest as peers, Jest (testing entry) optional', () => {
    const manifest = lock.packages['node_modules/@floodgate/limiter'] as LockedPackage & {
      peerDependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual([
      'cluster-key-slot',
      'cockatiel',
      'ioredis',
      'ipaddr.js',
    ]);
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual([
      '@jest/globals',
      '@nestjs/common',
      '@nestjs/core',
      '@opentelemetry/api',
    ]);
  });
});

describe('installing the tarball into a fresh Nest app', () => {
  it('prints no warning', () => {
    expect(installOutput.split('\n').filter((line) => /warn|ERR/i.test(line))).toEqual([]);
  });

  it('pulls in only the library and its own dependencies, and nothing of the service', () => {
    const library = closureOf(lock.packages, 'node_modules/@floodgate/limiter');
    const brought = [...new Set([...library].map(packageName))].sort();
    expect(brought).toEqual(LIBRARY_CLOSURE);
    expect(brought.filter((name) => SERVICE_ONLY.test(name))).toEqual([]);
    // Everything else in the app came with the app's own dependencies (Nest, its adapters).
    const app = new Set(APP_DEPENDENCIES.map((name) => `node_modules/${name}`));
    for (const folder of [...app]) closureOf(lock.packages, folder, app);
    const stray = Object.keys(lock.packages).filter(
      (folder) =>
        folder !== '' && folder !== 'node_modules/@floodgate/limiter' && !library.has(folder) && !app.has(folder),
    );
    expect(stray).toEqual([]);
  });
});

const LEGACY = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'] as const;
const IETF = ['ratelimit-policy', 'ratelimit'] as const;

async function get(fixture: Fixture, path: string) {
  const response = await fetch(`${fixture.url}${path}`, { signal: AbortSignal.timeout(5_000) });
  const headers = Object.fromEntries(
    [...LEGACY, ...IETF, 'retry-after'].map((name) => [name, response.headers.get(name)]),
  );
  return { status: response.status, headers, body: (await response.json()) as unknown };
}

describe.each(['fastify redis', 'express redis', 'fastify memory'])('the installed app (%s)', (name) => {
  const fixture = () => fixtures.get(name)!;

  it('answers a @RateLimit route with the rate-limit headers, then 429 with Retry-After', async () => {
    const answers = [
      await get(fixture(), '/limited'),
      await get(fixture(), '/limited'),
      await get(fixture(), '/limited'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[0]).toEqual({
      status: 200,
      headers: {
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-reset': expect.stringMatching(/^\d+$/),
        'ratelimit-policy': '"GET /limited";q=2;w=60',
        ratelimit: expect.stringMatching(/^"GET \/limited";r=1;t=\d+$/),
        'retry-after': null,
      },
      body: { route: 'limited' },
    });
    expect(answers[2]!.headers).toMatchObject({
      'x-ratelimit-remaining': '0',
      ratelimit: expect.stringMatching(/^"GET \/limited";r=0;t=\d+$/),
      'retry-after': expect.stringMatching(/^\d+$/),
    });
    expect(answers[2]!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', rule: 'GET /limited' });
  });

  it("applies the module's default and leaves a @SkipRateLimit route alone", async () => {
    expect((await get(fixture(), '/defaulted')).headers['x-ratelimit-limit']).toBe('1');
    expect((await get(fixture(), '/defaulted')).status).toBe(429);
    const skipped = await get(fixture(), '/skipped');
    expect(skipped.status).toBe(200);
    expect(skipped.headers['x-ratelimit-limit']).toBeNull();
  });
});

describe("the README's library section, against the installed package", () => {
  const section = librarySection(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  let program: ts.Program;
  let entry: ts.SourceFile;

  beforeAll(() => {
    const blocks = [
      ...typeScriptBlocks(section),
      ...typeScriptBlocks(readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8')),
    ];
    const files = blocks.map((block, i) => {
      const file = join(app, `readme-${i}.ts`);
      writeFileSync(file, block);
      return file;
    });
    const declarations = join(app, 'node_modules/@floodgate/limiter/dist/index.d.ts');
    const testing = join(app, 'node_modules/@floodgate/limiter/dist/testing.d.ts');
    program = ts.createProgram([...files, declarations, testing], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules/@types')],
    });
    entry = program.getSourceFile(declarations)!;
  }, 60_000);

  it('has TypeScript blocks that compile', () => {
    expect(typeScriptBlocks(section).length).toBeGreaterThanOrEqual(2);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${relative(app, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics).toEqual([]);
  });

  it('lists in its option tables exactly the options the types have', () => {
    const tables = optionTables(section);
    expect(Object.keys(tables).sort()).toEqual(['RateLimitModuleExtras', 'RateLimitModuleOptions', 'RateLimitOptions']);
    for (const [type, names] of Object.entries(tables)) {
      expect({ type, names: [...names].sort() }).toEqual({ type, names: propertiesOf(program, entry, type).sort() });
    }
  });

  it('documents every export, and every member of an exported interface or class', () => {
    expect(undocumentedExports(program, entry)).toEqual([]);
  });

  it('exports exactly the stable surface, every name of it marked @publicApi', () => {
    expect(exportedNames(program, entry)).toEqual(PUBLIC_API);
    expect(exportsWithoutTag(program, entry, 'publicApi')).toEqual([]);
  });

  it('gives store authors the contract suite as @floodgate/limiter/testing, apart from the main entry', () => {
    const testing = program.getSourceFile(join(app, 'node_modules/@floodgate/limiter/dist/testing.d.ts'));
    expect(testing).toBeDefined();
    expect(exportedNames(program, testing!)).toEqual(['StoreUnderTest', 'describeStoreContract']);
    expect(exportsWithoutTag(program, testing!, 'publicApi')).toEqual([]);
    expect(undocumentedExports(program, testing!)).toEqual([]);
  });
});
