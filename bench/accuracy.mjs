// `node bench/accuracy.mjs [--quick] [--redis <url>]`: are decisions exact across nodes?
//
// Three service nodes (dist/main.js) share one Redis (its own redis-server unless --redis names
// one) and a fresh Postgres database.
// Part 1: for each algorithm, 1000 concurrent checks of one client spread over the three nodes,
// 5 rounds (1 with --quick), admitted against the limit; once with store calls that cannot time
// out (Redis decides every request: the scripts' atomicity), once in the default configuration
// (fail open after 50 ms: what the burst does to a node as shipped; not with --quick).
// Part 2: sliding_window under a steady load of twice its limit for 10 windows (with --quick, a
// shorter window and a little over one of them: one boundary), every request's time and answer
// recorded, compared with an exact sliding log.
// Prints a markdown section on stdout.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { burstReport, createBurstRules, LIMIT, REQUESTS, runBursts } from './support/bursts.mjs';
import { runScript } from './support/cleanup.mjs';
import { SERVICE_KEY_PATTERNS, check, createRule, startService, stopNodes, waitForRule } from './support/nodes.mjs';
import { commandLine, progress, quick, redisOption } from './support/options.mjs';
import { serviceRedis } from './support/redis.mjs';
import { fmt, median, percentile, table } from './support/stats.mjs';

const ROUNDS = quick ? 1 : 5;
const CONFIGURATIONS = {
  redis: {
    title: 'Redis decides every request',
    env: { RATE_LIMIT_TIMEOUT_MS: '10000', RATE_LIMIT_FAIL_MODE: 'closed' },
    what: '`RATE_LIMIT_TIMEOUT_MS=10000`, `RATE_LIMIT_FAIL_MODE=closed`: no store call times out during a burst, and one that did would answer 503, never admit. This measures the scripts alone: atomic across three nodes or not.',
  },
  shipped: {
    title: 'the default configuration',
    env: {},
    what: 'Fail open, `RATE_LIMIT_TIMEOUT_MS=50`: what a node does as shipped when a burst saturates it (here the three nodes, Redis and the load generator share 2 cores).',
  },
};

// The steady run: LONG_LIMIT per LONG_WINDOW_MS, offered at LOAD_FACTOR times that rate (one
// request every 100 ms either way). --quick shortens the window: the run waits for a mid-window.
const LONG_LIMIT = quick ? 10 : 50;
const LONG_WINDOW_MS = quick ? 2_000 : 10_000;
const LOAD_FACTOR = 2;
const LONG_SECONDS = quick ? 3 : 100;
const LONG_RESOURCE = 'acc-long';

/** Epoch ms with sub-millisecond resolution (the machine's clock, which Redis's TIME also reads). */
const now = () => performance.timeOrigin + performance.now();

/**
 * Open-loop load: one check every `interval` ms whatever the answers, round-robin over the nodes,
 * starting in the middle of a window (load begins at an arbitrary moment; a fixed one makes runs
 * comparable). Returns every request as `{ sent, answered, at, admitted, failedOpen }` by time,
 * `at` the midpoint of sent and answered.
 */
async function steadyLoad(nodes, interval, count) {
  const clientId = `steady-${Date.now()}`;
  const from = now();
  const start = from + LONG_WINDOW_MS - ((from + LONG_WINDOW_MS / 2) % LONG_WINDOW_MS);
  const pending = [];
  for (let i = 0; i < count; i++) {
    await sleep(Math.max(0, start + i * interval - now()));
    const sent = now();
    pending.push(
      check(nodes[i % nodes.length], { clientId, resource: LONG_RESOURCE }).then(({ status, failedOpen }) => {
        const answered = now();
        if (status !== 200 && status !== 429) throw new Error(`a steady-load check answered ${status}`);
        return { sent, answered, at: (sent + answered) / 2, admitted: status === 200, failedOpen };
      }),
    );
  }
  return (await Promise.all(pending)).sort((a, b) => a.at - b.at);
}

/** An exact sliding log run on these arrival times: which requests it admits. */
function exactLog(times) {
  const log = [];
  return times.map((t) => {
    while (log.length > 0 && log[0] <= t - LONG_WINDOW_MS) log.shift();
    if (log.length >= LONG_LIMIT) return false;
    log.push(t);
    return true;
  });
}

/**
 * sliding_window's formula (src/limiter/store/redis/scripts/sliding-window.lua) run on these
 * arrival times: which requests it admits. Differences from the nodes' answers come from the
 * clock (our times against Redis's) or from the service around the script.
 */
function slidingWindowFormula(times) {
  let start = -Infinity;
  let previous = 0;
  let current = 0;
  return times.map((at) => {
    const t = Math.floor(at);
    const windowStart = t - (t % LONG_WINDOW_MS);
    if (windowStart !== start) {
      previous = windowStart === start + LONG_WINDOW_MS ? current : 0;
      current = 0;
      start = windowStart;
    }
    const fits =
      previous * (LONG_WINDOW_MS - (t - start)) + (current + 1) * LONG_WINDOW_MS <= LONG_LIMIT * LONG_WINDOW_MS;
    if (fits) current++;
    return fits;
  });
}

/** How many admitted requests fall in (t - window, t), `t` excluded. */
function admittedBefore(requests, t) {
  return requests.filter((r) => r.admitted && r.at > t - LONG_WINDOW_MS && r.at < t).length;
}

/**
 * Each of the nodes' decisions judged by the exact rule on what the nodes had really admitted in
 * the window before it. A judgement that flips between the request's send and answer times depends
 * on where inside its round trip Redis ran the script: within the clock's uncertainty.
 */
function judge(requests) {
  const exactAdmits = (t) => admittedBefore(requests, t) < LONG_LIMIT;
  let wronglyAdmitted = 0;
  let wronglyRefused = 0;
  let uncertain = 0;
  for (const r of requests) {
    if (r.admitted === exactAdmits(r.at)) continue;
    if (r.admitted) wronglyAdmitted++;
    else wronglyRefused++;
    if (exactAdmits(r.sent) !== exactAdmits(r.answered)) uncertain++;
  }
  return { wronglyAdmitted, wronglyRefused, uncertain };
}

/** The most requests admitted within any window-long span. */
function peakInWindow(requests) {
  const times = requests.filter((r) => r.admitted).map((r) => r.at);
  let peak = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= LONG_WINDOW_MS) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}

async function longRun(nodes) {
  await createRule(nodes[0], {
    name: LONG_RESOURCE,
    match: { resource: LONG_RESOURCE },
    algorithm: 'sliding_window',
    limits: [{ limit: LONG_LIMIT, windowMs: LONG_WINDOW_MS }],
  });
  await waitForRule(nodes, LONG_RESOURCE, LONG_RESOURCE);
  const interval = LONG_WINDOW_MS / (LONG_LIMIT * LOAD_FACTOR);
  const count = Math.round((LONG_SECONDS * 1000) / interval);
  progress(`sliding_window steady run: ${count} requests, one every ${interval} ms, from the next mid-window`);
  const requests = await steadyLoad(nodes, interval, count);
  const times = requests.map((r) => r.at);
  return { requests, exact: exactLog(times), formula: slidingWindowFormula(times), interval };
}

function longReport({ requests, exact, formula, interval }) {
  const n = requests.length;
  const admitted = requests.filter((r) => r.admitted).length;
  const exactAdmitted = exact.filter(Boolean).length;
  const formulaAdmitted = formula.filter(Boolean).length;
  const formulaDiffers = requests.filter((r, i) => r.admitted !== formula[i]).length;
  const failedOpen = requests.filter((r) => r.failedOpen).length;
  const { wronglyAdmitted, wronglyRefused, uncertain } = judge(requests);
  const peak = peakInWindow(requests);
  const rtt = requests.map((r) => r.answered - r.sent);
  const pct = (x, of = n) => `${fmt((100 * x) / of, 2)}%`;
  const seconds = LONG_WINDOW_MS / 1000;
  const boundaries = Math.floor(LONG_SECONDS / seconds);
  return [
    '### Steady over-limit load on sliding_window',
    '',
    `One client, a rule of ${LONG_LIMIT} per ${seconds} s (sliding_window), one \`POST /v1/check\` every ${interval} ms (${LOAD_FACTOR}x the limit's rate) for ${LONG_SECONDS} s from the middle of a window, so across ${boundaries} window boundar${boundaries === 1 ? 'y' : 'ies'}, round-robin over the three nodes ("Redis decides" configuration), open loop. Each request's time is the midpoint of its send and answer on the client's clock, the same machine clock Redis's \`TIME\` reads (round trip p50 ${fmt(median(rtt), 1)} ms, p99 ${fmt(percentile(rtt, 99), 1)} ms: the uncertainty of a time).`,
    '',
    table(
      ['decider', 'requests', 'admitted', 'share admitted'],
      [
        ["Floodgate's nodes (sliding_window)", fmt(n), fmt(admitted), pct(admitted)],
        ['exact sliding log, simulated on the same arrival times', fmt(n), fmt(exactAdmitted), pct(exactAdmitted)],
        [
          "sliding_window's formula, simulated on the same arrival times",
          fmt(n),
          fmt(formulaAdmitted),
          pct(formulaAdmitted),
        ],
      ],
    ),
    '',
    `- Total admitted: ${fmt(Math.abs(admitted - exactAdmitted))} ${admitted >= exactAdmitted ? 'more' : 'fewer'} than the exact log (${pct(Math.abs(admitted - exactAdmitted), exactAdmitted)} of its count).`,
    `- Per decision, judged by the exact rule ("fewer than ${LONG_LIMIT} admitted in the ${seconds} s before") on what the nodes had really admitted: ${fmt(wronglyAdmitted)} wrongly admitted (${pct(wronglyAdmitted)}), ${fmt(wronglyRefused)} wrongly refused (${pct(wronglyRefused)}), so ${pct(wronglyAdmitted + wronglyRefused)} of decisions differ; ${fmt(uncertain)} of them flip within their own round trip (clock uncertainty).`,
    `- The most admitted in any ${seconds} s span: ${peak} for a limit of ${LONG_LIMIT}${peak > LONG_LIMIT ? ` (${pct(peak - LONG_LIMIT, LONG_LIMIT)} over)` : ''}.`,
    `- The nodes' answers against the formula run on our times: ${fmt(formulaDiffers)} of ${fmt(n)} differ (a difference would come from our clock and Redis's placing a request on different sides of a window boundary, or from the service around the script); ${failedOpen} answers failed open.`,
    '',
    `Cloudflare published ~0.003% of requests wrongly allowed or rate limited by their sliding-window counter ("Counting things, a lot of different things", 2017: 400 million requests from 270,000 sources). That is an average over real traffic, where nearly every source stays far below its threshold and any algorithm decides it right. Here every request is at the margin: the client offers twice the limit all the time, so each decision rests on the estimate of the previous window. The formula assumes the previous window's admitted requests were spread evenly over it. When they were bunched late in it (the load began mid-window), the estimate undercounts those still inside the last ${seconds} s and admits too many (wrongly admitted, and more than the limit within one span); when they were bunched early (a window that filled in its first half), it overcounts and refuses what an exact log would admit. Each aligned window still admits at most the limit (its own count must fit). So the totals stay close while single decisions at the margin do not: the disagreement above is that of a load sitting on the limit, not a rate to expect for typical traffic. sliding_log is the exact choice (about 20 bytes per request in the window).`,
  ].join('\n');
}

/** The bursts' table in one configuration; undefined `results`: not measured (--quick). */
function burstSection(configuration, results) {
  return [
    `### ${REQUESTS} concurrent checks of one client: ${configuration.title}`,
    '',
    configuration.what,
    '',
    results === undefined ? 'Not measured with --quick (three more nodes to start).' : burstReport(results),
  ].join('\n');
}

await runScript(async () => {
  const redisUrl = await serviceRedis(redisOption, SERVICE_KEY_PATTERNS);
  const { redis, shipped } = CONFIGURATIONS;

  const first = await startService({ count: 3, redisUrl, env: redis.env });
  await createBurstRules(first.nodes, 'acc');
  const exactBursts = await runBursts(first.nodes, 'acc', ROUNDS);
  const long = await longRun(first.nodes);
  await stopNodes(first.nodes);

  // The same database: its rules are already there. Not with --quick: three more nodes to start.
  let shippedBursts;
  if (!quick) {
    const second = await startService({ count: 3, redisUrl, databaseUrl: first.databaseUrl, env: shipped.env });
    shippedBursts = await runBursts(second.nodes, 'acc', ROUNDS);
  }

  console.log(
    [
      '## Accuracy',
      '',
      `Command: \`${commandLine('accuracy.mjs')}\`. Three service nodes (\`node dist/main.js\`) on one Redis and one Postgres database.`,
      '',
      `For each algorithm an admin rule of ${LIMIT} per hour (an hour, so token_bucket and gcra refill nothing during a burst: the exact answer is ${LIMIT} for every algorithm; a burst that crossed the hour's boundary, where a fixed window may admit twice, would be redone), then ${REQUESTS} \`POST /v1/check\` for one client, all in flight at once, round-robin over the three nodes; ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, a fresh client each. Admitted = 200 answers; failed open = 200s a node gave without Redis's answer (\`X-RateLimit-Failed-Open\`); Redis's count = ${LIMIT} minus the remaining of a cost-0 check afterwards, which includes calls Redis ran after the node had stopped waiting.`,
      '',
      burstSection(redis, exactBursts),
      '',
      burstSection(shipped, shippedBursts),
      '',
      longReport(long),
    ].join('\n'),
  );
});
