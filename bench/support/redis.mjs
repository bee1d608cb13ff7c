// Redis servers of a bench script's own: one redis-server, or a Redis Cluster of three masters,
// on free loopback ports, keeping nothing on disk but a cluster's node file in a temp folder.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { defer } from './cleanup.mjs';
import { pinProcess } from './cpu.mjs';
import { progress } from './options.mjs';
import { freePort } from './ports.mjs';

const run = promisify(execFile);
const PORTS = [6500, 6600];

/** The process id of the server on `port`, or undefined while none answers. */
async function serverPid(port) {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))[1]);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

function exited(proc) {
  return proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => proc.once('exit', resolve));
}

/** Spawns redis-server on `port`: the process once it answers as itself, undefined when it exited first or another holds the port. */
async function spawnOn(port, dir, extraArgs) {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && proc.exitCode === null; i++) {
    // Answering is not enough: it must be our process, not one that won the port.
    if ((await serverPid(port)) === proc.pid) return proc;
    await sleep(50);
  }
  proc.kill('SIGTERM');
  await exited(proc);
  return undefined;
}

/**
 * One redis-server on a free port in `ports`; undefined when another process took the port first.
 * `kill()` (SIGKILL, the crash case: nothing is saved) and `restart()` (the same port, empty) let
 * a script break it on purpose.
 */
async function tryStart(extraArgs, ports) {
  const port = await freePort(...ports);
  const dir = mkdtempSync(join(tmpdir(), `floodgate-bench-redis-${port}-`));
  let proc = await spawnOn(port, dir, extraArgs);
  if (proc === undefined) {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const stop = async () => {
    if (proc !== undefined) {
      proc.kill('SIGTERM');
      await exited(proc);
      proc = undefined;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async () => {
    if (proc === undefined) return;
    const killed = proc;
    proc = undefined;
    killed.kill('SIGKILL');
    await exited(killed);
  };
  const restart = async () => {
    await kill();
    // Someone may take the port while it is free: then there is no honest way to go on.
    proc = await spawnOn(port, dir, extraArgs);
    if (proc === undefined) throw new Error(`could not restart redis-server on ${port} (port taken?)`);
  };
  return { port, url: `redis://127.0.0.1:${port}`, stop, kill, restart };
}

/**
 * A redis-server of this script's, stopped at clean-up: `{ port, url, kill, restart }`, on a port
 * in `ports` ([from, to]) when given.
 */
export async function startRedis(extraArgs = [], { ports = PORTS } = {}) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const server = await tryStart(extraArgs, ports);
    if (server) {
      defer(server.stop);
      progress(`redis-server on ${server.port}`);
      return { port: server.port, url: server.url, kill: server.kill, restart: server.restart };
    }
  }
  throw new Error('could not start a redis-server (ports taken?)');
}

/** The Redis a section runs on: the one `--redis <url>` names, else a redis-server of its own. */
export async function sectionRedis(redisOption) {
  return redisOption === undefined
    ? startRedis()
    : { url: redisOption, port: Number(new URL(redisOption).port || 6379) };
}

/** Moves the redis-server answering on `port` to CPU `cpu` (`taskset`), as the pinned sections place it. */
export async function pinRedis(port, cpu) {
  await pinProcess(Number(/process_id:(\d+)/.exec(await cli(port, 'info', 'server'))[1]), cpu);
}

/**
 * A Redis Cluster of `masters` masters, no replicas, every slot assigned and the cluster ok:
 * `{ ports, url }` with url `redis-cluster://127.0.0.1:p1,...` as REDIS_URL takes it.
 */
export async function startRedisCluster(masters = 3) {
  const servers = [];
  for (let i = 0; i < masters; i++) {
    servers.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000']));
  }
  const ports = servers.map((s) => s.port);
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  for (const port of ports) {
    for (let i = 0; !(await cli(port, 'cluster', 'info')).includes('cluster_state:ok'); i++) {
      if (i === 200) throw new Error(`the cluster node on ${port} never reported cluster_state:ok`);
      await sleep(50);
    }
  }
  progress(`Redis Cluster on ${ports.join(', ')}`);
  return { ports, url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}` };
}

/** `redis-cli` against 127.0.0.1:`port`, its trimmed output. */
export async function cli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout.trim();
}

/**
 * The Redis the service nodes use: `--redis <url>` when given (someone else's server: the keys
 * matching `patterns` are deleted at clean-up), else a redis-server of this script's.
 */
export async function serviceRedis(redisOption, patterns) {
  if (redisOption === undefined) return (await startRedis()).url;
  defer(() => deleteKeys(redisOption, patterns));
  return redisOption;
}

/** Deletes every key matching one of `patterns` (SCAN MATCH) on the single server at `url`. */
async function deleteKeys(url, patterns) {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    let deleted = 0;
    for (const pattern of patterns) {
      for await (const keys of client.scanStream({ match: pattern, count: 1000 })) {
        if (keys.length > 0) deleted += await client.unlink(...keys);
      }
    }
    progress(`deleted ${deleted} bench keys from ${url}`);
  } finally {
    await client.quit();
  }
}
