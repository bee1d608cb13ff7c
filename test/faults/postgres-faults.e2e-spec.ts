/**
 * Every route of the OpenAPI document under each Postgres fault, on a node of each fail mode: the
 * database's connections cut (down) and stalled (slow), through a TCP proxy in front of the
 * machine's Postgres. Redis is the test's own and works throughout.
 */
import { createMigratedDatabase, type TestDatabase } from '../db/support/test-database.js';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server.mjs';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.mjs';
import {
  call,
  documentedRoutes,
  type Fixtures,
  type FaultNode,
  type Route,
  runFault,
  startFaultNodes,
  table,
  tearDown,
} from './fault-sweep.js';

const SETUP_TIMEOUT_MS = 60_000;
const FAULT_TIMEOUT_MS = 60_000;
/** This file's redis-server (the Redis file has 7200). */
const REDIS_PORT = 7201;

let db: TestDatabase;
let proxy: TcpProxy;
let redis: RedisServerHandle;
let nodes: FaultNode[];
let routes: Route[];

beforeAll(async () => {
  db = await createMigratedDatabase();
  proxy = await startTcpProxy({ port: 5432 });
  redis = await startRedisServer(REDIS_PORT);
  const url = new URL(db.url);
  url.port = String(proxy.port);
  nodes = await startFaultNodes(url.toString(), redis.url);
  routes = await documentedRoutes(nodes[0]!);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await tearDown({
    'the fail-open node': () => nodes?.[0]?.service.close(),
    'the fail-closed node': () => nodes?.[1]?.service.close(),
    'the proxy': () => proxy?.close(),
    'the redis-server': () => redis?.stop(),
    'the database': () => db?.drop(),
  });
}, SETUP_TIMEOUT_MS);

describe.each([
  ['down (every connection cut)', 'cut'],
  ['slow (every byte held)', 'pause'],
] as const)('Floodgate under fault: Postgres %s', (_, fault) => {
  it(
    'decisions as usual, admin routes from node memory or 503 with Retry-After, and the ledger agrees after',
    async () => {
      const run = await runFault({
        nodes,
        routes,
        databaseUrl: db.url,
        storage: 'postgres',
        failingPart: 'database',
        apply: () => proxy[fault](),
        remove: () => proxy.restore(),
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
      const counters = routes.find((route) => route.label === 'GET /v1/admin/counters')!;
      const fixtures = { tag: 'counters-bug' } as Fixtures;
      proxy.cut();
      const answers = [];
      try {
        for (let i = 0; i < 10; i++) for (const node of nodes) answers.push(await call(node, counters, fixtures));
      } finally {
        proxy.restore();
      }
      expect(answers.map((a) => [a.status, a.retryAfter])).toEqual(Array(20).fill([503, '2']));
    },
    FAULT_TIMEOUT_MS,
  );
});
