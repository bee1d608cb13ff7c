/**
 * Every route of the OpenAPI document under each Postgres fault, on a node of each fail mode: the
 * database's connections cut (down) and stalled (slow), through a TCP proxy in front of the
 * machine's Postgres. Redis is the test's own and works throughout.
 */
import { call, type Fixtures, runFault, table, useFaultBench } from './fault-sweep.js';

const FAULT_TIMEOUT_MS = 60_000;
/** This file's redis-server (the Redis file has 7200). */
const REDIS_PORT = 7201;

const bench = useFaultBench('postgres', REDIS_PORT);

describe.each([
  ['down (every connection cut)', 'cut'],
  ['slow (every byte held)', 'pause'],
] as const)('Floodgate under fault: Postgres %s', (_, fault) => {
  it(
    'decisions as usual, admin routes from node memory or 503 with Retry-After, and the ledger agrees after',
    async () => {
      const run = await runFault({
        nodes: bench.nodes,
        routes: bench.routes,
        databaseUrl: bench.db.url,
        storage: 'postgres',
        failingPart: 'database',
        apply: () => bench.proxy[fault](),
        remove: () => bench.proxy.restore(),
      });
      expect({ problems: run.problems, table: table(run.answers) }).toMatchObject({ problems: [] });
    },
    FAULT_TIMEOUT_MS,
  );
});

describe('Floodgate under fault: the reported bug (issue 19)', () => {
  it(
    'answers GET /v1/admin/counters 503 with Retry-After, ten times out of ten, while Postgres is cut',
    async () => {
      const counters = bench.routes.find((route) => route.label === 'GET /v1/admin/counters')!;
      const fixtures = { tag: 'counters-bug' } as Fixtures;
      bench.proxy.cut();
      const answers = [];
      try {
        for (let i = 0; i < 10; i++) for (const node of bench.nodes) answers.push(await call(node, counters, fixtures));
      } finally {
        bench.proxy.restore();
      }
      expect(answers.map((a) => [a.status, a.retryAfter])).toEqual(Array(20).fill([503, '2']));
    },
    FAULT_TIMEOUT_MS,
  );
});
