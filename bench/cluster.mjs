// `node bench/cluster.mjs [--quick] [--redis <url>]`: Redis Cluster against a single Redis.
//
// Starts a Redis Cluster of 3 masters on loopback, and a single redis-server unless --redis names
// one; one service node on the single Redis, three on the cluster. Throughput: the same
// closed-loop load from wrk (POST /v1/check, clients picked at random out of 100,000 so keys
// spread over every slot) on the single node and on the first cluster node, interleaved in 3
// rounds. Accuracy: the 1000-concurrent test of bench/accuracy.mjs for every algorithm, over the
// three cluster nodes. Prints a markdown section on stdout.
import { fileURLToPath } from 'node:url';
import { burstReport, createBurstRules, REQUESTS, runBursts } from './support/bursts.mjs';
import { runScript } from './support/cleanup.mjs';
import { SERVICE_KEY_PATTERNS, startService, stopNodes } from './support/nodes.mjs';
import { commandLine, progress, quick, redisOption } from './support/options.mjs';
import { serviceRedis, startRedisCluster } from './support/redis.mjs';
import { fmt, median, range, table } from './support/stats.mjs';
import { requireWrk, wrk } from './support/wrk.mjs';

const ROUNDS = quick ? 1 : 3;
const SECONDS = quick ? 1 : 10;
const WARM_UP_SECONDS = quick ? 0 : 1;
// Once per node before the rounds, so the first round does not measure a cold JIT.
const FIRST_WARM_UP_SECONDS = quick ? 0 : 5;
const CONNECTIONS = 50;
const CLIENTS = 100_000;
const BURST_ROUNDS = quick ? 1 : 5;
const SCRIPT = fileURLToPath(new URL('./post-check-clients.lua', import.meta.url));
// Every node: store calls that cannot time out, so Redis decides every request (as in
// bench/accuracy.mjs), and a default rule never reached, so every check runs a script.
const NODE_ENV = {
  RATE_LIMIT_TIMEOUT_MS: '10000',
  RATE_LIMIT_FAIL_MODE: 'closed',
  DEFAULT_LIMIT: '1000000000',
  DEFAULT_WINDOW_MS: '3600000',
};

const load = (node, seconds) =>
  wrk({
    url: `${node.url}/v1/check`,
    script: SCRIPT,
    env: { WRK_CLIENTS: String(CLIENTS) },
    seconds,
    connections: CONNECTIONS,
  });

/** `{ single: run[], cluster: run[] }`: wrk's numbers per round, the variants interleaved. */
async function throughput(variants) {
  if (FIRST_WARM_UP_SECONDS > 0) for (const node of Object.values(variants)) await load(node, FIRST_WARM_UP_SECONDS);
  const runs = { single: [], cluster: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, node] of Object.entries(variants)) {
      if (WARM_UP_SECONDS > 0) await load(node, WARM_UP_SECONDS);
      const run = await load(node, SECONDS);
      runs[name].push(run);
      progress(
        `round ${round} ${name}: ${fmt(run.rps)} checks/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.non2xx} non-2xx, ${run.errors} errors`,
      );
    }
  }
  return runs;
}

function throughputReport(runs) {
  const ratios = runs.cluster.map((run, i) => run.rps / runs.single[i].rps);
  const firstWarmUp =
    FIRST_WARM_UP_SECONDS > 0 ? ` (and ${FIRST_WARM_UP_SECONDS} s per node before the first round)` : '';
  const row = (name, what) => {
    const rs = runs[name];
    return [
      what,
      fmt(median(rs.map((r) => r.rps))),
      range(rs.map((r) => r.rps)),
      fmt(median(rs.map((r) => r.p50)), 2),
      fmt(median(rs.map((r) => r.p99)), 2),
      fmt(rs.reduce((n, r) => n + r.non2xx + r.errors, 0)),
    ];
  };
  return [
    '### Throughput',
    '',
    `\`POST /v1/check\` on one service node per Redis (\`node dist/main.js\`; a default rule never reached, so every check runs a script; \`RATE_LIMIT_TIMEOUT_MS=10000\` and \`RATE_LIMIT_FAIL_MODE=closed\`, so that every decision is Redis's: with the default 50 ms a saturated node fails open on a share of decisions, skipping Redis, which would flatter whichever variant times out more; see the accuracy section). wrk (1 thread, ${CONNECTIONS} connections, \`bench/post-check-clients.lua\`: clients picked at random out of ${fmt(CLIENTS)}, the same sequence for both) for ${SECONDS} s${WARM_UP_SECONDS > 0 ? ` after a ${WARM_UP_SECONDS} s warm-up` : ''}${firstWarmUp}, single and cluster interleaved in ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}. Load generator, nodes and Redis share the machine.`,
    '',
    table(
      ['Redis', 'checks/s (median)', 'min-max', 'p50 ms', 'p99 ms', 'non-2xx and errors'],
      [row('single', 'one redis-server'), row('cluster', 'Redis Cluster, 3 masters')],
    ),
    '',
    `Cluster / single: ${fmt(median(ratios), 2)}x (median of the rounds' ratios, ${range(ratios, 2)}).`,
  ].join('\n');
}

await runScript(async () => {
  await requireWrk();
  const singleUrl = await serviceRedis(redisOption, SERVICE_KEY_PATTERNS);
  const cluster = await startRedisCluster(3);
  // One node per Redis, on databases of their own, all four starting at once.
  const [single, { nodes }] = await Promise.all([
    startService({ count: 1, redisUrl: singleUrl, env: NODE_ENV }),
    startService({ count: 3, redisUrl: cluster.url, env: NODE_ENV }),
  ]);
  const runs = await throughput({ single: single.nodes[0], cluster: nodes[0] });
  await stopNodes(single.nodes);

  await createBurstRules(nodes, 'cluster');
  const bursts = await runBursts(nodes, 'cluster', BURST_ROUNDS);

  console.log(
    [
      '## Scaling out: Redis Cluster against a single Redis',
      '',
      `Command: \`${commandLine('cluster.mjs')}\`. A Redis Cluster of 3 masters (no replicas, \`redis-cli --cluster create\`) on loopback against one redis-server${redisOption === undefined ? ' started the same way' : ` (${redisOption})`}; every Floodgate key carries a hash tag, so a decision is one script on one master.`,
      '',
      throughputReport(runs),
      '',
      `### Accuracy on the cluster: ${REQUESTS} concurrent checks of one client`,
      '',
      `The three cluster nodes (configured as in the accuracy section's "Redis decides every request"); the same rules (100 per hour) and bursts, ${BURST_ROUNDS} round${BURST_ROUNDS > 1 ? 's' : ''} per algorithm, a fresh client each.`,
      '',
      burstReport(bursts),
    ].join('\n'),
  );
});
