// Real redis-server processes for the tests and the bench scripts (plain ESM so that bench scripts
// run it without a TypeScript loader): one that a test can kill and start again, or a Redis Cluster
// of masters. Every process binds to loopback and keeps nothing on disk but a cluster's node file
// in a temp dir.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long a start may take before it counts as failed. */
const START_TIMEOUT_MS = 10_000;

/** Runs `redis-cli` against 127.0.0.1:`port` and returns its trimmed output. */
export async function cli(port, ...args) {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout.trim();
}

/** Polls `check` until it holds; a check that throws counts as "not yet". */
export async function waitFor(check, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The process id of the server answering on `port`, or undefined while none answers. */
export async function serverPid(port) {
  const info = await cli(port, 'info', 'server').catch(() => '');
  const pid = /process_id:(\d+)/.exec(info)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

function hasExited(proc) {
  return proc.exitCode !== null || proc.signalCode !== null;
}

function exited(proc) {
  return hasExited(proc) ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));
}

/**
 * A redis-server on 127.0.0.1:`port`, answering when this resolves. It is started again on the same
 * port by `start()`; `replace` (the default) first shuts down a server left on the port by an
 * aborted run. With `replace: false` (a port picked at random on a shared machine, where the server
 * on it may be someone else's) a start that finds the port taken fails instead.
 */
export async function startRedisServer(port, extraArgs = [], { replace = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `fg-redis-${port}-`));
  let child;

  const handle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async start() {
      // A stale server would make us talk to the wrong process.
      if (replace) await cli(port, 'shutdown', 'nosave').catch(() => undefined);
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
        { stdio: 'ignore' },
      );
      child = proc;
      const deadline = Date.now() + START_TIMEOUT_MS;
      // Answering is not enough: it must be this process, not one that holds the port.
      while ((await serverPid(port)) !== proc.pid) {
        const died = hasExited(proc);
        if (died || Date.now() > deadline) {
          child = undefined;
          proc.kill('SIGKILL');
          await exited(proc);
          throw new Error(
            died
              ? `redis-server on ${port} exited at start (the port is taken?)`
              : `timed out waiting for redis-server on ${port}`,
          );
        }
        await sleep(50);
      }
    },
    async kill() {
      if (!child) return;
      const proc = child;
      child = undefined;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop() {
      const proc = child;
      child = undefined;
      if (proc) {
        proc.kill('SIGTERM');
        await exited(proc);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await handle.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return handle;
}

/** What makes a redis-server on `port` a cluster node (its node file in its own temp dir). */
export function clusterNodeArgs(port) {
  return ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
}

/** Joins the cluster nodes on `ports` as one master each (no replicas), every slot assigned, state ok. */
export async function createCluster(ports) {
  await run('redis-cli', [
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  for (const port of ports) {
    await waitFor(async () => (await cli(port, 'cluster', 'info')).includes('cluster_state:ok'), `cluster on ${port}`);
  }
}

/** A Redis Cluster of one master per port (no replicas), slots spread, state ok when this resolves. */
export async function startRedisCluster(ports) {
  const servers = await Promise.all(ports.map((port) => startRedisServer(port, clusterNodeArgs(port))));
  await createCluster(ports);
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
