// The concurrency test of accuracy (issue 6, section 3), shared by bench/accuracy.mjs and
// bench/cluster.mjs: for each algorithm, 1000 concurrent POST /v1/check of one client, spread
// round-robin over the nodes, against an admin rule of 100 per hour; repeated with a fresh client.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { check, createRule, waitForRule } from './nodes.mjs';
import { progress } from './options.mjs';
import { fmt, median, range, table } from './stats.mjs';

const ALGORITHMS = ['sliding_window', 'sliding_log', 'token_bucket', 'fixed_window', 'gcra'];
/** Exact algorithms admit exactly the limit out of a burst; GCRA may admit fewer, never more. */
const EXACT = new Set(['sliding_window', 'sliding_log', 'token_bucket', 'fixed_window']);

export const LIMIT = 100;
export const REQUESTS = 1000;
// An hour-long window: token_bucket and gcra refill one unit per 36 s, so nothing refills while a
// burst runs, and the exact answer is the limit for every algorithm.
const WINDOW_MS = 3_600_000;
// fixed_window and sliding_window align windows to epoch multiples (on Redis's clock, the same
// machine's clock as ours): no burst starts this close to the next boundary.
const BOUNDARY_GUARD_MS = 20_000;

/** Creates one rule per algorithm (`<tag>-<algorithm>`, resource the same) and waits until every node applies it. */
export async function createBurstRules(nodes, tag) {
  for (const algorithm of ALGORITHMS) {
    const name = `${tag}-${algorithm}`;
    await createRule(nodes[0], {
      name,
      match: { resource: name },
      algorithm,
      limits: [{ limit: LIMIT, windowMs: WINDOW_MS }],
    });
    await waitForRule(nodes, name, name);
  }
}

async function awayFromBoundary() {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left >= BOUNDARY_GUARD_MS) return;
  progress(`waiting ${Math.ceil(left / 1000)} s for the hour's window boundary to pass`);
  await sleep(left + 1_000);
}

const windowOf = (ms) => Math.floor(ms / WINDOW_MS);

/**
 * What Redis counted for the client: the limit minus the remaining of a cost-0 check (which
 * consumes nothing). Asked until Redis itself answers: after a burst the node's circuit breaker may
 * still be open, and its answers then come without Redis (failed open, or 503 when failing closed).
 */
async function countedByRedis(node, clientId, resource) {
  for (let i = 0; i < 100; i++) {
    const { status, body, failedOpen } = await check(node, { clientId, resource, cost: 0 });
    if (status === 200 && !failedOpen) return LIMIT - body.remaining;
    await sleep(100);
  }
  throw new Error(`${node.url} answered without Redis for 10 s after a burst`);
}

/** One burst of REQUESTS concurrent checks of a fresh client: the answers counted. */
async function burst(nodes, resource) {
  const clientId = `burst-${randomBytes(8).toString('hex')}`;
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) =>
      check(nodes[i % nodes.length], { clientId, resource }).catch(() => ({ status: 'error' })),
    ),
  );
  const ended = Date.now();
  const count = (test) => answers.filter(test).length;
  return {
    admitted: count((a) => a.status === 200),
    failedOpen: count((a) => a.status === 200 && a.failedOpen),
    refused: count((a) => a.status === 429),
    other: count((a) => a.status !== 200 && a.status !== 429),
    counted: await countedByRedis(nodes[0], clientId, resource),
    ms: ended - started,
    crossedBoundary: windowOf(started) !== windowOf(ended),
  };
}

/** `rounds` bursts per algorithm on the rules of `tag`: `{ [algorithm]: burst[] }`. */
export async function runBursts(nodes, tag, rounds) {
  const results = {};
  for (const algorithm of ALGORITHMS) {
    results[algorithm] = [];
    while (results[algorithm].length < rounds) {
      await awayFromBoundary();
      const result = await burst(nodes, `${tag}-${algorithm}`);
      // Across a boundary a fixed window legitimately admits the limit twice: that round is redone.
      if (result.crossedBoundary) {
        progress(`${algorithm}: the burst crossed the hour's boundary; again with a fresh client`);
        continue;
      }
      results[algorithm].push(result);
      progress(
        `${algorithm} round ${results[algorithm].length}/${rounds}: ${result.admitted} admitted (${result.failedOpen} failed open), ${result.refused} refused, ${result.other} other, Redis counted ${result.counted}, ${result.ms} ms`,
      );
    }
  }
  return results;
}

const over = (r) => Math.max(0, r.admitted - LIMIT);
const under = (r) => Math.max(0, LIMIT - r.admitted);

/** One line per algorithm whose rounds broke its contract: more than the limit, or less for an exact one. */
function findings(results) {
  const lines = [];
  for (const algorithm of ALGORITHMS) {
    const rs = results[algorithm];
    const overs = rs.filter((r) => over(r) > 0);
    if (overs.length > 0) {
      const worst = overs.reduce((a, b) => (over(b) > over(a) ? b : a));
      lines.push(
        `- **Over-admission: ${algorithm}** in ${overs.length} of ${rs.length} rounds, at worst ${worst.admitted} admitted for a limit of ${LIMIT} (${worst.failedOpen} of them failed open, Redis counted ${worst.counted}).`,
      );
    }
    const unders = EXACT.has(algorithm) ? rs.filter((r) => under(r) > 0) : [];
    if (unders.length > 0) {
      lines.push(
        `- Under-admission: ${algorithm} in ${unders.length} of ${rs.length} rounds, at worst ${Math.min(...unders.map((r) => r.admitted))} admitted.`,
      );
    }
  }
  return lines;
}

/** The results as a markdown table, then what broke the contract (or that nothing did). */
export function burstReport(results) {
  const rows = ALGORITHMS.map((algorithm) => {
    const rs = results[algorithm];
    const sum = (f) => rs.reduce((n, r) => n + f(r), 0);
    return [
      algorithm,
      EXACT.has(algorithm) ? `= ${LIMIT}` : `<= ${LIMIT}`,
      fmt(median(rs.map((r) => r.admitted))),
      range(rs.map((r) => r.admitted)),
      fmt(Math.max(...rs.map(over))),
      fmt(Math.max(...rs.map(under))),
      fmt(sum((r) => r.failedOpen)),
      fmt(sum((r) => r.other)),
      range(rs.map((r) => r.counted)),
      fmt(median(rs.map((r) => r.ms))),
    ];
  });
  const broken = findings(results);
  return [
    table(
      [
        'algorithm',
        'expected',
        'admitted (median)',
        'min-max',
        'over-admission (max)',
        'under-admission (max)',
        'failed open (all rounds)',
        'other answers (all rounds)',
        "Redis's count (min-max)",
        'burst ms (median)',
      ],
      rows,
    ),
    '',
    broken.length === 0
      ? `Every round admitted exactly ${LIMIT} for the exact algorithms and at most ${LIMIT} for gcra.`
      : broken.join('\n'),
  ].join('\n');
}
