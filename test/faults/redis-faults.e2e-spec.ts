/**
 * Every route of the OpenAPI document under each Redis fault, on a node of each fail mode: the
 * test's own redis-server killed (down), every byte to it held by a TCP proxy (slow past the store
 * timeout), and the nodes' pub/sub connections killed. Postgres works throughout.
 */
import { adminFetch, json } from '../e2e/service/service-harness.js';
import { cli, waitFor } from '../support/redis-server.mjs';
import { runFault, table, useFaultBench } from './fault-sweep.js';

const FAULT_TIMEOUT_MS = 60_000;
/** This file's redis-server (the Postgres file has 7201). */
const REDIS_PORT = 7200;

const bench = useFaultBench('redis', REDIS_PORT);

describe('Floodgate under fault: Redis', () => {
  it.each([
    [
      'down (the server killed): decisions by the fail mode, the store-using admin routes 503, the rest as usual',
      () => bench.redis.kill(),
      () => bench.redis.start(),
    ],
    [
      'slow past the store timeout (every byte held): the same, each answer within the timeout and a second',
      () => bench.proxy.pause(),
      () => bench.proxy.restore(),
    ],
  ])(
    '%s',
    async (_, apply, remove) => {
      const run = await runFault({
        nodes: bench.nodes,
        routes: bench.routes,
        databaseUrl: bench.db.url,
        storage: 'redis',
        failingPart: 'rateLimitStore',
        apply,
        remove,
      });
      expect({ problems: run.problems, table: table(run.answers) }).toMatchObject({ problems: [] });
    },
    FAULT_TIMEOUT_MS,
  );

  it(
    'pub/sub connections dropped: every route as usual, and rule changes still reach the other node',
    async () => {
      const run = await runFault({
        nodes: bench.nodes,
        routes: bench.routes,
        databaseUrl: bench.db.url,
        storage: undefined,
        apply: async () => {
          const killed = Number(await cli(REDIS_PORT, 'client', 'kill', 'type', 'pubsub'));
          // Each node subscribes (rule changes, counter resets): both were cut.
          expect(killed).toBeGreaterThanOrEqual(bench.nodes.length);
        },
        remove: () => undefined,
      });
      expect({ problems: run.problems, table: table(run.answers) }).toMatchObject({ problems: [] });
      // The nodes poll the database only once a minute here: the open node learns of a change made on
      // the closed one through its pub/sub connection, subscribed again.
      const res = await adminFetch(bench.nodes[1]!.service, 'POST', '/v1/admin/rules', {
        name: `after-pubsub-${Date.now()}`,
        match: { resource: 'GET /after-pubsub' },
        limits: [{ limit: 5, windowMs: 60_000 }],
      });
      expect(res.status).toBe(201);
      const { rulesVersion } = await json<{ rulesVersion: number }>(res);
      await waitFor(async () => {
        const health = await json<{ info?: { rules?: { version?: number } } }>(
          await fetch(`${bench.nodes[0]!.service.url}/health`),
        );
        return health.info?.rules?.version === rulesVersion;
      }, `the fail-open node at rules version ${rulesVersion}`);
    },
    FAULT_TIMEOUT_MS,
  );
});
