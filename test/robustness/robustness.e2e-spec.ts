/**
 * Robustness, the short run: hostile inputs (robustness.mjs) at every route of the real service
 * (in-process, real Postgres and Redis, over its socket), a few hundred in all with a fixed seed.
 * The full run is `node bench/robustness.mjs` (10,000 inputs, the built service as a process).
 *
 * Each route and input family is one test: one `fc.assert` whose failure names the seed, the
 * shrunk counterexample and a curl command that reproduces it. FLOODGATE_FUZZ_RUNS (total inputs)
 * and FLOODGATE_FUZZ_SEED change the run.
 */
import { Session } from 'node:inspector/promises';
import { validateRuleBody } from '../../src/rules/validate-rule-body.js';
import {
  type RunningService,
  startService,
  TEST_ADMIN_TOKEN,
  uniquePrefix,
  useServiceDatabase,
} from '../e2e/service/service-harness.js';
import {
  cellsOf,
  createContext,
  loggedError,
  ROUTES,
  runCell,
  type RunContext,
  seedRules,
  storedRuleProblems,
  warmUp,
} from './robustness.mjs';

useServiceDatabase();

const RUNS = Number(process.env.FLOODGATE_FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FLOODGATE_FUZZ_SEED ?? 20_260_601);
const READONLY_TOKEN = 'test-readonly-token-0123456789';
const BODY_LIMIT = 65_536;
/** Shrinking a failure sends one request per step: bounded, it reports the case shrunk so far. */
const CELL_TIME_LIMIT_MS = 15_000;

/**
 * Heap growth allowed across the run, after a full GC on both sides. In-process, the heap is the
 * test's as well as the service's, and V8 keeps compiling code as it gets hot: a first run of a
 * few hundred inputs grew it by 8 to 10 MiB, later ones by 2 to 4 MiB, and with two dozen routes
 * a warm-up of 200 inputs leaves some of them cold (one full npm test run measured over 8 MiB). So
 * this short run only catches gross leaks, 60 KiB or more per request (keeping the bodies near the
 * limit, or each request's parsed body and its Fastify request); the full run
 * (bench/robustness.mjs: 10,000 inputs, the node's own heap, 8 MiB) is the fine check.
 */
const HEAP_GROWTH_LIMIT = 24 * 1024 * 1024;

let service: RunningService;
let ctx: RunContext;
let heapBefore = 0;
/** Log lines already looked at for the error behind a 5xx. */
let logsSeen = 0;

/** heapUsed after two full collections (through the inspector: Jest's node has no --expose-gc). */
async function heapAfterGc(): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  service = await startService({
    REDIS_URL: 'redis://127.0.0.1:6379',
    RATE_LIMIT_KEY_PREFIX: uniquePrefix(),
    ADMIN_READONLY_TOKEN: READONLY_TOKEN,
    // Failing logins come with a fresh X-Forwarded-For each, so the lockout never refuses the run.
    TRUSTED_PROXIES: 'loopback',
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
    LOG_LEVEL: 'error',
  });
  ctx = createContext({
    url: service.url,
    adminToken: TEST_ADMIN_TOKEN,
    readonlyToken: READONLY_TOKEN,
    bodyLimit: BODY_LIMIT,
    validateRuleBody,
    serverError: async () => {
      const fresh = service.logs.slice(logsSeen);
      logsSeen = service.logs.length;
      return fresh.map(loggedError).findLast((error) => error !== undefined);
    },
  });
  await seedRules(ctx);
  await warmUp(ctx, { seed: SEED + 1 });
  heapBefore = await heapAfterGc();
}, 120_000);

afterAll(async () => {
  await service?.close();
});

describe(`Floodgate robustness: ${RUNS} hostile inputs, seed ${SEED}`, () => {
  for (const cell of cellsOf(ROUTES, RUNS)) {
    it(
      cell.name,
      async () => {
        const result = await runCell(ctx, cell, { seed: SEED, timeLimitMs: CELL_TIME_LIMIT_MS });
        if (result.failure !== undefined) throw new Error(result.failure.report);
      },
      CELL_TIME_LIMIT_MS + 30_000,
    );
  }
});

describe('Floodgate robustness: after the run', () => {
  it('still answers /health/live and /health (the process never crashed; the rules still load)', async () => {
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    const health = await fetch(`${service.url}/health`);
    expect({ status: health.status, body: await health.json() }).toMatchObject({ status: 200 });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/^floodgate_rules_reloads_total\{result="failure"\} 0$/m);
  });

  it('has stored only valid rules, each readable by id and with a valid history', async () => {
    const { checked, problems } = await storedRuleProblems(ctx);
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 60_000);

  it(`keeps its heap flat (growth after GC under ${HEAP_GROWTH_LIMIT / 1024 / 1024} MiB)`, async () => {
    const heapAfter = await heapAfterGc();
    const growth = heapAfter - heapBefore;
    expect({ heapBefore, heapAfter, growth, underLimit: growth < HEAP_GROWTH_LIMIT }).toMatchObject({
      underLimit: true,
    });
  });
});
