// `node bench/script-instructions.mjs [--algorithms a,b,...]` (after `npm run build`; needs valgrind):
// Redis's instructions per decision in the consume scripts, counted by callgrind. Redis's CPU time
// per call (`INFO commandstats`) moves by up to 2x with the speed of this virtual machine; the
// number of instructions Redis executes for the same calls does not, so a change to a script is
// read here. A redis-server of its own runs under `valgrind --tool=callgrind`, instrumented only
// while the measured consumes run (`callgrind_control -i on/off`), through the built
// `RedisRateLimitStore`: full batches (16 consumes an event-loop turn, many turns in flight) and
// one consume at a time, on one key and on 10,000 keys; every consume allowed (a limit never
// reached), the common case. Prints a markdown section on stdout.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { runScript } from './support/cleanup.mjs';
import { commandLine, option, progress } from './support/options.mjs';
import { freePort } from './support/ports.mjs';
import { table } from './support/stats.mjs';

const run = promisify(execFile);
const dist = new URL('../dist/', import.meta.url);
const { RedisRateLimitStore } = await import(new URL('limiter/store/redis/redis.store.js', dist).href);
const { createRedisClient, waitUntilReady } = await import(
  new URL('limiter/store/redis/redis-connection.js', dist).href
);
const { baseKey } = await import(new URL('limiter/store/store-key.js', dist).href);

const algorithms = option('algorithms', 'sliding_window').split(',');
/** What is measured per algorithm: [mode, keys, decisions]. */
const CASES = [
  ['full batches', 1, 8_000],
  ['one at a time', 1, 1_000],
  ['full batches', 10_000, 16_000],
  ['one at a time', 10_000, 1_000],
];
const BATCH = 16;

/** `count` consumes through `store`: batches of BATCH per turn with many in flight, or one after another. */
async function consume(store, algorithm, keys, mode, count) {
  const limits = [{ limit: 1_000_000_000, windowMs: 3_600_000 }];
  const one = (i) => store.consume({ key: keys[i % keys.length], algorithm, limits, cost: 1 });
  if (mode === 'one at a time') {
    for (let i = 0; i < count; i++) await one(i);
    return;
  }
  let inFlight = [];
  for (let i = 0; i < count; i += BATCH) {
    for (let j = i; j < Math.min(i + BATCH, count); j++) inFlight.push(one(j));
    if (inFlight.length >= 512) {
      await Promise.all(inFlight);
      inFlight = [];
    } else {
      await nextTurn();
    }
  }
  await Promise.all(inFlight);
}

/** Redis's instructions over `count` consumes of `mode` on `keyCount` keys: one callgrind dump. */
async function measure(redis, algorithm, [mode, keyCount, count]) {
  const client = createRedisClient(`redis://127.0.0.1:${redis.port}`, { commandTimeoutMs: 120_000 });
  await waitUntilReady(client, 60_000);
  const store = new RedisRateLimitStore(client, { ownsClient: true });
  const keys = Array.from({ length: keyCount }, (_, i) => baseKey('instructions', algorithm, `client-${i}`));
  try {
    // Loads the scripts and makes the keys: what is measured is a consume of a known key.
    await consume(store, algorithm, keys, mode, Math.max(keyCount, 2_000));
    await run('callgrind_control', ['-i', 'on', String(redis.pid)]);
    await consume(store, algorithm, keys, mode, count);
    await run('callgrind_control', ['-i', 'off', String(redis.pid)]);
    const before = new Set(await readdir(redis.dir));
    await run('callgrind_control', ['-d', String(redis.pid)]);
    const dump = (await readdir(redis.dir)).find((file) => !before.has(file) && file.startsWith('out.'));
    const { stdout } = await run('callgrind_annotate', [join(redis.dir, dump)], { maxBuffer: 64 * 1024 * 1024 });
    const total = Number(/^([\d,]+) .*PROGRAM TOTALS/m.exec(stdout)[1].replaceAll(',', ''));
    await client.flushall();
    return total / count;
  } finally {
    await store.close();
  }
}

/** A redis-server under callgrind, instrumentation off until asked: `{ port, pid, dir, stop }`. */
async function startRedisUnderCallgrind() {
  const dir = await mkdtemp(join(tmpdir(), 'fg-callgrind-'));
  const port = await freePort(7600, 7699);
  const proc = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${join(dir, 'out.%p')}`,
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  for (;;) {
    const ready = await run('redis-cli', ['-p', String(port), 'ping']).then(
      ({ stdout }) => stdout.trim() === 'PONG',
      () => false,
    );
    if (ready) break;
    if (proc.exitCode !== null) throw new Error('redis-server under valgrind exited before it answered');
    await sleep(500);
  }
  const stop = async () => {
    await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  return { port, pid: proc.pid, dir, stop };
}

await runScript(async () => {
  const rows = [];
  for (const algorithm of algorithms) {
    const redis = await startRedisUnderCallgrind();
    try {
      const perDecision = [];
      for (const measured of CASES) {
        perDecision.push(await measure(redis, algorithm, measured));
        progress(`${algorithm}, ${measured[0]}, ${measured[1]} key(s): ${Math.round(perDecision.at(-1))} instructions`);
      }
      rows.push([algorithm, ...perDecision.map((ir) => Math.round(ir).toLocaleString('en-US'))]);
    } finally {
      await redis.stop();
    }
  }
  const version = (await readFile('/proc/version', 'utf8')).split(' ')[2];
  console.log(
    [
      '## Redis instructions per decision',
      '',
      `Command: \`${commandLine('script-instructions.mjs')}\`: callgrind's instruction count of a redis-server of its own (valgrind, Linux ${version}) over the measured consumes, divided by their number; every consume allowed, one limit.`,
      '',
      table(['algorithm', ...CASES.map(([mode, keys]) => `${mode}, ${keys.toLocaleString('en-US')} key(s)`)], rows, [
        'l',
        'r',
        'r',
        'r',
        'r',
      ]),
    ].join('\n'),
  );
});
