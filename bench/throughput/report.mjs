// The throughput section's markdown, from the rounds' results (see bench/throughput.mjs): medians
// over the rounds with their min-max, ratios against the baseline of the same round.
import { fmt, median, range, table } from '../support/stats.mjs';
import { FLOOR_KEYS, FLOOR_ROWS } from './floor.mjs';
import { CEILINGS, CHECK_VARIANTS, LIMITERS, MODES, ROUTE_VARIANTS } from './targets.mjs';

const GOAL = 0.9;
const PEERS_ON_REDIS = LIMITERS.filter((l) => l.redis && !l.target.startsWith('floodgate')).map((l) => l.target);

const ms = (v) => (Number.isFinite(v) ? fmt(v, 2) : '-');
const percent = (part, whole) => `${fmt((100 * part) / whole, 1)}%`;
const x = (ratio) => `${fmt(ratio, 2)}x`;
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const column = (rows, field) => rows.map((r) => r[field] ?? NaN);

/** Per round, `row.rps / base.rps`. */
const ratios = (rows, base) => rows.map((row, i) => row.rps / base[i].rps);

/** `median (min-max)` of `values` formatted by `f`; the value alone when the rounds agree. */
function spread(values, f = (v) => fmt(v)) {
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  if (f(lo) === f(hi)) return f(lo);
  return `${f(median(values))} (${f(lo)}-${f(hi)})`;
}

/** The cells every closed-loop row has: req/s, min-max, p50, p99, refused share. */
function loadCells(rows) {
  return [
    fmt(median(column(rows, 'rps'))),
    range(column(rows, 'rps')),
    ms(median(column(rows, 'p50'))),
    ms(median(column(rows, 'p99'))),
    percent(sum(column(rows, 'non2xx')), sum(column(rows, 'total'))),
  ];
}

/** Redis script calls, commands and Floodgate's clock reads per request: only targets that talk to Redis have them. */
function redisCells(variant, rows) {
  if (!variant.redis && variant.kind !== 'check') return ['-', '-', '-'];
  const cells = [fmt(median(column(rows, 'scripts')), 3), fmt(median(column(rows, 'commands')), 2)];
  const floodgate = variant.kind === 'check' || variant.name.startsWith('floodgate');
  return [...cells, floodgate ? fmt(median(column(rows, 'clockReads')), 3) : '-'];
}

function closedTable(byName) {
  return table(
    [
      'variant',
      'req/s (median)',
      'min-max',
      'p50 ms',
      'p99 ms',
      'refused',
      'x baseline',
      'scripts/req',
      'commands/req',
      'clock reads/req',
    ],
    ROUTE_VARIANTS.map((variant) => {
      const rows = byName[variant.name];
      return [variant.name, ...loadCells(rows), spread(ratios(rows, byName.baseline), x), ...redisCells(variant, rows)];
    }),
  );
}

function legend() {
  const items = [
    '`baseline`: the route with no limiter',
    ...CEILINGS.map((c) => `\`${c.target}\`: ${c.what}`),
    ...LIMITERS.map((l) => `\`${l.target}\`: ${l.what}`),
    ...Object.entries(MODES).map(([mode, what]) => `\`${mode}\`: ${what}`),
  ];
  return items.map((item) => `- ${item}`).join('\n');
}

function openTable(open) {
  const rows = ROUTE_VARIANTS.filter((variant) => open[variant.name] !== undefined).map((variant) => {
    const runs = open[variant.name];
    const scheduled = sum(column(runs, 'scheduled'));
    const counted = (field) => `${fmt(sum(column(runs, field)))} (${percent(sum(column(runs, field)), scheduled)})`;
    const answered = sum(column(runs, 'answered'));
    const ok = sum(
      runs.map((r) => Object.entries(r.statuses).reduce((n, [s, c]) => (s.startsWith('2') ? n + c : n), 0)),
    );
    return [
      variant.name,
      spread(column(runs, 'p50'), ms),
      spread(column(runs, 'p99'), ms),
      spread(column(runs, 'p999'), ms),
      counted('late'),
      counted('dropped'),
      percent(answered - ok, answered),
      fmt(sum(column(runs, 'errors'))),
    ];
  });
  return table(['variant', 'p50 ms', 'p99 ms', 'p99.9 ms', 'late', 'dropped', 'refused', 'socket errors'], rows);
}

/** The generator's own send lag: the worst variant's median p99 (none when no request found a free connection). */
function generatorLag(open) {
  const lags = Object.values(open).map((runs) => median(column(runs, 'lagP99')));
  return Math.max(...lags.filter(Number.isFinite));
}

function checkTable(check) {
  return table(
    [
      'variant',
      'what',
      'decisions/s (median)',
      'min-max',
      'p50 ms',
      'p99 ms',
      'refused',
      'scripts/req',
      'commands/req',
      'clock reads/req',
      'x check allow',
    ],
    CHECK_VARIANTS.filter((variant) => check[variant.name] !== undefined).map((variant) => {
      const rows = check[variant.name];
      const traced = variant.traced ? spread(ratios(rows, check['check allow']), x) : '-';
      return [variant.name, variant.what, ...loadCells(rows), ...redisCells(variant, rows), traced];
    }),
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function floorTable(floor) {
  return table(
    ['on the same Redis', 'ops/s (median)', 'min-max', 'p50 ms'],
    FLOOR_ROWS.map(({ name, what }) => {
      const rows = floor[name];
      return [what, fmt(median(column(rows, 'rps'))), range(column(rows, 'rps')), ms(median(column(rows, 'p50')))];
    }),
  );
}

/** The issue's goals for one key mode: `[goal, measured, verdict]` rows. */
function goalRows(byName, keysLabel) {
  const ratio = (name) => ratios(byName[name], byName.baseline);
  const allow = ratio('floodgate-redis allow');
  const block = ratio('floodgate-redis block');
  const verdict = (ok) => (ok ? '**met**' : '**not met**');
  const peers = PEERS_ON_REDIS.map((peer) => ({ peer, ratios: ratio(`${peer} allow`) }));
  const aheadIn = allow.filter((r, i) => peers.every((p) => r > p.ratios[i])).length;
  const standings = [['floodgate-redis', allow], ...peers.map((p) => [p.peer, p.ratios])];
  // What a guard that decides nothing and only answers as the contract requires reaches: a
  // limiter's guard held to that contract does as much, and decides as well.
  const ceiling = (mode) => {
    const { target } = CEILINGS.find((c) => c.mode === mode);
    return `; ${target}, which decides nothing: ${spread(ratio(`${target} ${mode}`), x)}`;
  };
  return [
    [
      `allow >= ${x(GOAL)} baseline, Redis, ${keysLabel}`,
      spread(allow, x) + ceiling('allow'),
      verdict(median(allow) >= GOAL),
    ],
    [
      `allow ahead of every peer on Redis, ${keysLabel}`,
      `${standings.map(([name, rs]) => `${name} ${x(median(rs))}`).join(', ')}; ahead in ${aheadIn} of ${allow.length} rounds`,
      verdict(peers.every((p) => median(allow) > median(p.ratios))),
    ],
    [
      `block >= ${x(GOAL)} baseline, Redis, ${keysLabel}`,
      spread(block, x) + ceiling('block'),
      verdict(median(block) >= GOAL),
    ],
  ];
}

/** Floodgate's decisions per second against the EVALSHA floor of the same round. */
function floorComparison({ closed, check, floor }) {
  const share = (rows, name) =>
    spread(
      rows.map((row, i) => row.rps / floor[name][i].rps),
      (v) => `${fmt(100 * v)}%`,
    );
  const lines = [];
  if (closed.one.baseline) {
    lines.push(
      `- \`floodgate-redis allow\`, one hot key: ${share(closed.one['floodgate-redis allow'], 'evalsha-hot')} of the one-key EVALSHA rate`,
      `- \`check allow\` (POST /v1/check, one client): ${share(check['check allow'], 'evalsha-hot')} of it`,
    );
  }
  if (closed.many.baseline) {
    lines.push(
      `- \`floodgate-redis allow\`, many keys: ${share(closed.many['floodgate-redis allow'], 'evalsha-keys')} of the many-keys EVALSHA rate`,
    );
  }
  return lines.join('\n');
}

function socketErrors({ closed, open, check }) {
  const runs = [closed.one, closed.many, check, open].flatMap((byName) => Object.values(byName).flat());
  return sum(column(runs, 'errors'));
}

function introduction(meta) {
  return [
    `Command: \`${meta.command}\` (run by \`npm run bench\`): ${meta.rounds} round(s), variants interleaved in each; every target a process of its own (NestJS + Fastify, \`GET /hello\` answering \`{hello:'world'}\`, logger off) on Redis ${meta.redisVersion}, flushed before each target; load from ${meta.tool} in a separate process, ${meta.connections} connections, ${meta.warmUp > 0 ? `${meta.warmUp} s warm-up, then ` : 'no warm-up (--quick), '}${meta.duration} s per run. Ratios compare each variant with the baseline of the same round; tables show the median of the rounds and their min-max.`,
    '',
    legend(),
    '',
    "The peers are set up as their READMEs show, with their defaults: ioredis clients with default options (Floodgate makes its own: fail-fast, no offline queue), rate-limiter-flexible without `inMemoryBlockOnConsumed`, @nestjs/throttler with its default tracker and key. \"Refused\" is the share of non-2xx answers. `scripts/req` counts EVAL/EVALSHA calls per request in Redis `INFO commandstats`: the round trips to Redis, one per decision for the peers; Floodgate sends the decisions a node makes in one event-loop turn together, up to 16 per batch call, so it makes far fewer, with one key or many. `commands/req` counts every command Redis ran, those inside scripts included. `clock reads/req` counts Floodgate's reads of Redis's clock: one per script call, a batch reading it once for all its decisions. All three over the target's whole run.",
    '',
    '![req/s per variant, allow and block, against the baseline](bench/chart.svg)',
  ].join('\n');
}

function oneKeySections(results, meta) {
  const { closed, open, check, rates } = results;
  const traced = check['check allow traced'];
  const fixedRate = () => [
    '### Fixed rate, one hot key',
    '',
    `Each round offers every variant the same rate: ${fmt(meta.fixedRate, 2)} x that round's baseline closed-loop throughput (${rates.map((r) => fmt(r)).join(', ')} req/s), from bench/throughput/open-loop.mjs over ${meta.connections} connections, for ${meta.duration} s after half a second not counted. Latency counts from when a request was due, not from when it could be sent (no coordinated omission). Late: due while every connection was busy, so it waited; dropped: not sent by the end or not answered within 2 s. Requests that found a connection free left within ${ms(generatorLag(open))} ms of their due time at the 99th percentile (the generator's own precision; worst variant's median).`,
    '',
    openTable(open),
    '',
  ];
  return [
    '### Closed loop, one hot key',
    '',
    closedTable(closed.one),
    '',
    // None with --fixed-rate 0 (--quick).
    ...(Object.keys(open).length > 0 ? fixedRate() : []),
    '### POST /v1/check: decisions per second per node',
    '',
    `The whole service (\`node dist/main.js\`, LOG_LEVEL=warn, a fresh Postgres database; its \`default\` rule at DEFAULT_LIMIT 1e9 or 1 per hour) answering \`POST /v1/check\` for one client, same closed-loop load. ${
      traced === undefined
        ? 'Not with tracing on (not run with --quick).'
        : `The traced node exports its spans over OTLP/HTTP (protobuf) to a local sink that answers 200: it received ${fmt(sum(column(traced, 'traceExports')))} exports (${fmt(sum(column(traced, 'traceBytes')) / 1024)} KiB).`
    }`,
    '',
    checkTable(check),
  ].join('\n');
}

function manyKeysSection(results, meta) {
  const clients = fmt(meta.clients);
  return [
    `### Closed loop, ${clients} client keys`,
    '',
    `Each request carries one of ${clients} client keys in turn (header \`x-client\`: Floodgate's \`key\` function, throttler's \`getTracker\`, the rate-limiter-flexible guard's key), so each key comes back every ${clients} requests. In block mode a key is allowed once: the first pass over the keys, mostly during the warm-up, is allowed.`,
    '',
    closedTable(results.closed.many),
  ].join('\n');
}

/** The section: `results` from bench/throughput.mjs, `meta` its settings, command, load tool and Redis version. */
export function report(results, meta) {
  const { closed, floor } = results;
  const goals = [
    ...(closed.one.baseline ? goalRows(closed.one, 'one hot key') : []),
    ...(closed.many.baseline ? goalRows(closed.many, `${fmt(meta.clients)} keys`) : []),
  ];
  return [
    '## Throughput and latency against peers',
    introduction(meta),
    '### Goals',
    table(['goal (issue 6)', 'measured: Floodgate x baseline', 'verdict'], goals, ['l', 'l', 'l']),
    ...(closed.one.baseline ? [oneKeySections(results, meta)] : []),
    ...(closed.many.baseline ? [manyKeysSection(results, meta)] : []),
    '### The floor: Redis alone',
    `\`redis-benchmark -c 50 -P 1\` on the same Redis, in each round: PING for orientation, then EVALSHA of Floodgate's sliding-window script (its text as the store loads it, with the ARGV the store sends for the allow route: cost 1, limit 1e9, 60 s window) on one hot key and on \`__rand_int__\` keys (\`-r ${FLOOR_KEYS}\`).`,
    floorTable(floor),
    "Floodgate against that floor (median of the rounds' ratios, min-max):",
    floorComparison(results),
    `Socket errors over all runs: ${fmt(socketErrors(results))}.`,
  ].join('\n\n');
}
