/**
 * Real redis-server processes for tests that need their own: one they can kill and restart, or a
 * 3-master Redis Cluster. Every process binds to loopback and keeps nothing on disk but the
 * cluster's node file in a temp dir.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `redis-cli` against 127.0.0.1:`port` and returns its trimmed output. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout.trim();
}

/** Polls `check` until it holds; a check that throws counts as "not yet". */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** Starts (again) the server on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL: the crash case. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
}

/** A redis-server on 127.0.0.1:`port`, started and answering PING when this resolves. */
export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), `fg-redis-${port}-`));
  let child: ChildProcess | undefined;

  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const handle: RedisServerHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // A stale server from an aborted earlier run would make us talk to the wrong process.
      await cli(port, 'shutdown', 'nosave').catch(() => undefined);
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
        { stdio: 'ignore' },
      );
      await waitFor(async () => (await cli(port, 'ping')) === 'PONG', `redis-server on ${port}`);
    },
    async kill() {
      if (!child) return;
      const proc = child;
      child = undefined;
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop() {
      if (!child) return;
      const proc = child;
      child = undefined;
      proc.kill('SIGTERM');
      await exited(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}

export interface RedisClusterHandle {
  readonly nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** A Redis Cluster of one master per port (no replicas), slots spread, state ok when this resolves. */
export async function startRedisCluster(ports: number[]): Promise<RedisClusterHandle> {
  const servers = await Promise.all(
    ports.map((port) =>
      startRedisServer(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]),
    ),
  );
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
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
