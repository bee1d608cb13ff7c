// What the throughput section measures, and how each target is started, checked and stopped.
import { fork } from 'node:child_process';
import { defer } from '../support/cleanup.mjs';
import { startNode } from '../support/nodes.mjs';
import { freePort } from '../support/ports.mjs';
import { KEY_HEADER } from './load.mjs';

/** The limiters compared on the same route; `redis` ones keep their counters in Redis. */
export const LIMITERS = [
  { target: 'floodgate-redis', what: 'Floodgate `@RateLimit()`, Redis store', redis: true },
  { target: 'throttler-redis', what: '@nestjs/throttler + @nest-lab/throttler-storage-redis', redis: true },
  { target: 'rlf-redis', what: "rate-limiter-flexible's RateLimiterRedis in a guard", redis: true },
  {
    target: 'rlf-redis-headers',
    what: "as rlf-redis, its guard also setting the five headers Floodgate sends on every response (Retry-After too on a refusal), from the limiter's result as rate-limiter-flexible's README shows: like for like with floodgate-redis",
    redis: true,
  },
  {
    target: 'floodgate-redis-no-headers',
    what: 'as floodgate-redis, with its rate-limit headers off (`headers: { legacy: false, ietf: false }`), which the peers do not set: what the five headers cost',
    redis: true,
  },
  { target: 'floodgate-memory', what: 'Floodgate `@RateLimit()`, memory store' },
  { target: 'throttler-memory', what: '@nestjs/throttler, its memory store' },
];

export const MODES = {
  allow: 'limit never reached',
  block: 'limit 1 per hour: every request after the first refused (429)',
};

/**
 * Guards that decide nothing and only answer as Floodgate's contract requires (the five rate-limit
 * headers on every response; a 429 with Retry-After and a JSON body on a refusal). A limiter's guard
 * held to that contract does as much and decides as well: the 0.90x goals are read against these.
 */
export const CEILINGS = [
  {
    target: 'headers-only',
    mode: 'allow',
    what: 'a guard that limits nothing and sets the five headers (fixed values): the ceiling of an allow path that sends them',
  },
  {
    target: 'refusal-only',
    mode: 'block',
    what: 'a guard that decides nothing and refuses every request after the first as Floodgate does (429, the headers, Retry-After, the body, no stack trace): the ceiling of a block path',
  },
];

/** The bare route first: the other variants of a round are compared with it. */
export const ROUTE_VARIANTS = [
  { kind: 'route', name: 'baseline', target: 'baseline', mode: 'allow', what: 'the route, no limiter' },
  ...CEILINGS.map((ceiling) => ({
    kind: 'route',
    ceiling: true,
    ...ceiling,
    name: `${ceiling.target} ${ceiling.mode}`,
  })),
  ...LIMITERS.flatMap((limiter) =>
    Object.keys(MODES).map((mode) => ({ kind: 'route', ...limiter, name: `${limiter.target} ${mode}`, mode })),
  ),
];

/** The whole service answering POST /v1/check under its `default` rule. */
export const CHECK_VARIANTS = [
  { kind: 'check', name: 'check allow', mode: 'allow', limit: 1_000_000_000, what: 'limit never reached' },
  { kind: 'check', name: 'check block', mode: 'block', limit: 1, what: 'limit 1: every decision refused' },
  {
    kind: 'check',
    name: 'check allow traced',
    mode: 'allow',
    limit: 1_000_000_000,
    traced: true,
    what: 'as check allow, with tracing on',
  },
];

const CHECK_BODY = JSON.stringify({ clientId: 'bench-client', resource: 'bench' });

/**
 * Starts `variant` of bench/server.mjs with `keys` (`one` | `many`) on a free port: `{ port, pid,
 * stop }`.
 * It is ready once the server says it listens (over IPC); a server that exits first (most likely
 * another process took the port since it was found free) is tried again on another port.
 */
export async function startRoute(variant, keys, redisUrl) {
  for (let attempt = 1; ; attempt++) {
    // A range without ports fetch() refuses to reach (4190 and 4045 are on its list).
    const port = await freePort(4400, 4599);
    const proc = fork(
      new URL('../server.mjs', import.meta.url),
      [variant.target, variant.mode, keys, String(port), redisUrl],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
    );
    let stopped;
    const stop = () => (stopped ??= stopProcess(proc));
    defer(stop);
    const listening = await new Promise((resolve) => {
      proc.once('message', () => resolve(true));
      proc.once('exit', () => resolve(false));
    });
    if (listening) return { port, pid: proc.pid, stop };
    if (attempt === 3) throw new Error(`bench/server.mjs ${variant.name} ${keys} exited before listening, 3 times`);
  }
}

/** Starts one service node for `variant` (see support/nodes.mjs): `{ port, proc, stop }`. */
export async function startCheck(variant, { redisUrl, databaseUrl, otlpUrl }) {
  const env = { DEFAULT_LIMIT: String(variant.limit), DEFAULT_WINDOW_MS: '3600000' };
  if (variant.traced) {
    Object.assign(env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'floodgate-bench',
    });
  }
  // Migrations are applied by the first start; later starts find none pending.
  return startNode({ redisUrl, databaseUrl, env });
}

async function stopProcess(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The bare route `/v1/check` is held to: a Nest-Fastify POST route that parses the same JSON body
 * and answers a decision of the same shape, deciding nothing (bench/server.mjs `bare-post`).
 */
export const BARE_POST = {
  kind: 'route',
  name: 'bare-post',
  target: 'bare-post',
  mode: 'allow',
  post: true,
  what: 'a Nest-Fastify `POST /v1/check` route that parses the same JSON body and answers a fixed decision: what /v1/check is compared with',
};

/** What the load sends to `variant`: `{ path, method, body }`. */
export function loadRequest(variant) {
  return variant.kind === 'check' || variant.post
    ? { path: '/v1/check', method: 'POST', body: CHECK_BODY }
    : { path: '/hello', method: 'GET', body: undefined };
}

/**
 * Two requests before measuring: a variant that does not limit (or limits where it should not)
 * stops the run here rather than producing numbers that mean nothing. With one key they are the
 * load's own client, so in block mode they use up its one allowed request.
 */
export async function probe(variant, port, keys) {
  const { path, method, body } = loadRequest(variant);
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  // With many keys the probe is a client of its own, outside the load's keys.
  if (keys === 'many') headers[KEY_HEADER] = 'probe';
  const statuses = [];
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  const expected = variant.mode === 'block' ? [200, 429] : [200, 200];
  if (statuses.join() !== expected.join()) {
    throw new Error(`${variant.name} (${keys} key(s)) answered ${statuses} to its first two requests, not ${expected}`);
  }
}
