// `node bench/hot-reload.mjs [--quick] [--redis <url>] [--changes <n>]`: how long a rule change
// takes to be enforced on every node.
//
// Three service nodes (dist/main.js) share a fresh Postgres database and one Redis (its own
// redis-server unless --redis names one). Their periodic version check is set to a minute, so only
// the pub/sub announcement can explain a node catching up. Each change PATCHes the rule's limit on
// node 1, then polls POST /v1/check (cost 0: consumes nothing) on all three nodes until each
// reports the new limit. Prints a markdown section on stdout.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runScript } from './support/cleanup.mjs';
import {
  SERVICE_KEY_PATTERNS,
  check,
  createRule,
  metricSum,
  metrics,
  patchRule,
  startService,
} from './support/nodes.mjs';
import { commandLine, option, progress, quick, redisOption } from './support/options.mjs';
import { serviceRedis } from './support/redis.mjs';
import { percentile, table } from './support/stats.mjs';

const changes = Number(option('changes', quick ? '20' : '100'));
const RESOURCE = 'bench-hot';
const GOAL_MS = 50;
/**
 * Pause between two probes of one node. Probing back to back keeps three nodes busy answering
 * probes (thousands per second) on the same two cores where they must reload (it did not change
 * p99 measurably, but a probe should not load what it measures); a probe every POLL_MS costs a
 * node little, and the times stay within POLL_MS plus one probe's round trip of the truth.
 */
const POLL_MS = 2;

/**
 * Milliseconds from `since` until `node` reports `limit`, whether its first probe already did, and
 * that probe's round trip.
 */
async function enforcedAfter(node, limit, since) {
  for (let probe = 0; ; probe++) {
    const sent = performance.now();
    const { body } = await check(node, { clientId: 'probe', resource: RESOURCE, cost: 0 });
    const now = performance.now();
    if (body.limit === limit) return { ms: now - since, atFirstProbe: probe === 0, roundTrip: now - sent };
    await sleep(POLL_MS);
  }
}

/** One change: `{ fromAnswer, fromWrite }` in ms until the slowest node enforces it, and what the probes saw. */
async function change(nodes, id, limit) {
  const sent = performance.now();
  await patchRule(nodes[0], id, { limits: [{ limit, windowMs: 60_000 }] });
  const answered = performance.now();
  const seen = await Promise.all(nodes.map((node) => enforcedAfter(node, limit, answered)));
  const slowest = Math.max(...seen.map((s) => s.ms));
  return {
    fromAnswer: slowest,
    fromWrite: slowest + (answered - sent),
    atFirstProbe: seen.every((s) => s.atFirstProbe),
    roundTrips: seen.map((s) => s.roundTrip),
  };
}

/** `1 time`, `2 times`. */
const times = (n) => `${n} time${n === 1 ? '' : 's'}`;

function report({ fromAnswer, fromWrite, atFirstProbe, roundTrips, reads }) {
  const ms = (x) => x.toFixed(1);
  const row = (what, xs) => [what, ms(percentile(xs, 50)), ms(percentile(xs, 99)), ms(Math.max(...xs))];
  const verdict = (xs) => (percentile(xs, 99) < GOAL_MS ? 'met' : 'not met');
  return [
    '## Hot reload',
    '',
    `Command: \`${commandLine('hot-reload.mjs')}\`. ${changes} rule changes (PATCH of the limit) on node 1 of 3 (one Postgres, one Redis, periodic version check set to 60 s so only the pub/sub announcement counts); after each, \`POST /v1/check\` (cost 0) is polled on all three nodes, every ${POLL_MS} ms, until each reports the new limit (probing back to back would load the nodes that must reload; the times are within ${POLL_MS} ms plus one probe of the truth). Times from the client's clock on loopback.`,
    '',
    table(
      ['time until all three nodes enforce the change, measured from', 'p50 ms', 'p99 ms', 'max ms'],
      [
        row("the write's answer (propagation to the other nodes)", fromAnswer),
        row('sending the write (includes the database transaction)', fromWrite),
      ],
    ),
    '',
    `Goal p99 under ${GOAL_MS} ms on loopback: ${verdict(fromAnswer)} from the write's answer, ${verdict(fromWrite)} from sending the write.`,
    '',
    `In ${atFirstProbe} of ${changes} changes the first probe of every node already saw the new limit: the change was in force everywhere before the probes were sent, and the time is the probes' own round trip (one probe: p50 ${ms(percentile(roundTrips, 50))} ms, p99 ${ms(percentile(roundTrips, 99))} ms), the floor of this measurement.`,
    '',
    `How nodes 2 and 3 caught up (\`floodgate_rules_snapshot_reads_total\`): ${times(reads.applied)} from the snapshot node 1 stored in Redis, ${times(reads.stale + reads.failed)} from Postgres (${reads.stale} stale, ${reads.failed} failed).`,
  ].join('\n');
}

await runScript(async () => {
  const redisUrl = await serviceRedis(redisOption, SERVICE_KEY_PATTERNS);
  const { nodes } = await startService({ count: 3, redisUrl, env: { RULES_REFRESH_INTERVAL_MS: '60000' } });
  const rule = await createRule(nodes[0], {
    name: 'bench-hot',
    match: { resource: RESOURCE },
    limits: [{ limit: 1000, windowMs: 60_000 }],
  });
  await Promise.all(nodes.map((node) => enforcedAfter(node, 1000, performance.now())));

  const results = { fromAnswer: [], fromWrite: [], atFirstProbe: 0, roundTrips: [] };
  for (let i = 1; i <= changes; i++) {
    const seen = await change(nodes, rule.id, 1000 + i);
    results.fromAnswer.push(seen.fromAnswer);
    results.fromWrite.push(seen.fromWrite);
    results.roundTrips.push(...seen.roundTrips);
    if (seen.atFirstProbe) results.atFirstProbe++;
    if (i % 10 === 0) progress(`hot reload: ${i}/${changes} changes`);
  }
  results.reads = { applied: 0, stale: 0, failed: 0 };
  for (const node of nodes.slice(1)) {
    const text = await metrics(node);
    for (const result of Object.keys(results.reads)) {
      results.reads[result] += metricSum(text, 'floodgate_rules_snapshot_reads_total', `result="${result}"`);
    }
  }
  console.log(report(results));
});
