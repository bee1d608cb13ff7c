// `node bench/hot-reload.mjs --redis redis://127.0.0.1:6396 [--changes 100]` (run by `npm run bench`):
// how long a rule change takes to be enforced on every node.
//
// Three service nodes (dist/main.js) share a fresh Postgres database and one Redis. Their periodic
// version check is set to a minute, so only the pub/sub announcement can explain a node catching up.
// Each change PATCHes the rule's limit on node 1, then polls POST /v1/check (cost 0: consumes
// nothing) on all three nodes until each reports the new limit. Prints a markdown section.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const redisUrl = option('redis', 'redis://127.0.0.1:6379');
const changes = Number(option('changes', '100'));
const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = `bench-${randomBytes(12).toString('hex')}`;
const ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `floodgate_bench_${randomBytes(4).toString('hex')}`;
const PORTS = [4701, 4702, 4703];

async function admin(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function startNode(port, migrate) {
  const proc = spawn(process.execPath, ['dist/main.js'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: `bench-${port}`,
      DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${database}`,
      ADMIN_TOKEN: TOKEN,
      REDIS_URL: redisUrl,
      RATE_LIMIT_KEY_PREFIX: `hot${port}`,
      RULES_REFRESH_INTERVAL_MS: '60000',
      MIGRATE_ON_START: String(migrate),
      LOG_LEVEL: 'warn',
    },
  });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return proc;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`node on ${port} did not become healthy`);
}

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function limitOn(port) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/check`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'probe', resource: 'bench-hot', cost: 0 }),
  });
  return (await res.json()).limit;
}

/** Milliseconds from `since` until the node on `port` reports `limit`. */
async function enforcedAfter(port, limit, since) {
  for (;;) {
    if ((await limitOn(port)) === limit) return performance.now() - since;
  }
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

await admin(`CREATE DATABASE ${database}`);
const nodes = [];
try {
  nodes.push(await startNode(PORTS[0], true));
  nodes.push(...(await Promise.all(PORTS.slice(1).map((port) => startNode(port, false)))));
  const created = await fetch(`http://127.0.0.1:${PORTS[0]}/v1/admin/rules`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'bench-hot',
      match: { resource: 'bench-hot' },
      limits: [{ limit: 1000, windowMs: 60_000 }],
    }),
  });
  const { id } = await created.json();
  for (const port of PORTS) await enforcedAfter(port, 1000, performance.now());

  const fromWrite = [];
  const fromAnswer = [];
  for (let i = 1; i <= changes; i++) {
    const limit = 1000 + i;
    const sent = performance.now();
    const res = await fetch(`http://127.0.0.1:${PORTS[0]}/v1/admin/rules/${id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ limits: [{ limit, windowMs: 60_000 }] }),
    });
    if (res.status !== 200) throw new Error(`PATCH answered ${res.status}`);
    const answered = performance.now();
    const slowest = Math.max(...(await Promise.all(PORTS.map((port) => enforcedAfter(port, limit, answered)))));
    fromAnswer.push(slowest);
    fromWrite.push(slowest + (answered - sent));
  }
  const row = (what, xs) =>
    `| ${what} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;
  console.log(
    [
      `${changes} rule changes on node 1 of 3 (one Postgres, one Redis, periodic check set to 60 s so only pub/sub counts); time until all three nodes enforce the new limit, observed through \`POST /v1/check\`:`,
      '',
      '| measured from | p50 ms | p99 ms | max ms |',
      '|---|---:|---:|---:|',
      row("the write's answer (propagation to the other nodes)", fromAnswer),
      row('sending the write (includes the database transaction)', fromWrite),
    ].join('\n'),
  );
} finally {
  await Promise.all(nodes.map((proc) => new Promise((resolve) => (proc.once('exit', resolve), proc.kill('SIGTERM')))));
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
