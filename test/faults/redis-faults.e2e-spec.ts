/**
 * Every route of the OpenAPI document under each Redis fault, on a node of each fail mode: the
 * test's own redis-server killed (down), every byte to it held by a TCP proxy (slow past the store
 * timeout), and the nodes' pub/sub connections killed. Postgres works throughout.
 */
import { createMigratedDatabase, type TestDatabase } from '../db/support/test-database.js';
import { adminFetch, json } from '../e2e/service/service-harness.js';
import { cli, startRedisServer, type RedisServerHandle, waitFor } from '../support/redis-server.mjs';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.mjs';
import {
  documentedRoutes,
  type FaultNode,
  type Route,
  runFault,
  startFaultNodes,
  table,
  tearDown,
} from './fault-sweep.js';

const SETUP_TIMEOUT_MS = 60_000;
const FAULT_TIMEOUT_MS = 60_000;
/** This file's redis-server. */
const REDIS_PORT = 7200;

let db: TestDatabase;
let redis: RedisServerHandle;
let proxy: TcpProxy;
let nodes: FaultNode[];
let routes: Route[];

beforeAll(async () => {
  db = await createMigratedDatabase();
  redis = await startRedisServer(REDIS_PORT);
  proxy = await startTcpProxy({ port: REDIS_PORT });
  nodes = await startFaultNodes(db.url, `redis://127.0.0.1:${proxy.port}`);
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

describe('Floodgate under fault: Redis', () => {
  it(
    'down (the server killed): decisions by the fail mode, the store-using admin routes 503, the rest as usual',
    async () => {
      const run = await runFault({
        nodes,
        routes,
        databaseUrl: db.url,
        storage: 'redis',
        failingPart: 'rateLimitStore',
        apply: () => redis.kill(),
        remove: () => redis.start(),
      });
      expect({ problems: run.problems, table: table(run.answers) }).toMatchObject({ problems: [] });
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'slow past the store timeout (every byte held): the same, each answer within the timeout and a second',
    async () => {
      const run = await runFault({
        nodes,
        routes,
        databaseUrl: db.url,
        storage: 'redis',
        failingPart: 'rateLimitStore',
        apply: () => proxy.pause(),
        remove: () => proxy.restore(),
      });
      expect({ problems: run.problems, table: table(run.answers) }).toMatchObject({ problems: [] });
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'pub/sub connections dropped: every route as usual, and rule changes still reach the other node',
    async () => {
      const run = await runFault({
        nodes,
        routes,
        databaseUrl: db.url,
        storage: undefined,
        apply: async () => {
          const killed = Number(await cli(REDIS_PORT, 'client', 'kill', 'type', 'pubsub'));
          // Each node subscribes (rule changes, counter resets): both were cut.
          expect(killed).toBeGreaterThanOrEqual(nodes.length);
        },
        remove: () => undefined,
      });
      expect({ problems: run.problems, table: table(run.answers) }).toMatchObject({ problems: [] });
      // The nodes poll the database only once a minute here: the open node learns of a change made on
      // the closed one through its pub/sub connection, subscribed again.
      const res = await adminFetch(nodes[1]!.service, 'POST', '/v1/admin/rules', {
        name: `after-pubsub-${Date.now()}`,
        match: { resource: 'GET /after-pubsub' },
        limits: [{ limit: 5, windowMs: 60_000 }],
      });
      expect(res.status).toBe(201);
      const { rulesVersion } = await json<{ rulesVersion: number }>(res);
      await waitFor(async () => {
        const health = await json<{ info?: { rules?: { version?: number } } }>(
          await fetch(`${nodes[0]!.service.url}/health`),
        );
        return health.info?.rules?.version === rulesVersion;
      }, `the fail-open node at rules version ${rulesVersion}`);
    },
    FAULT_TIMEOUT_MS,
  );
});
