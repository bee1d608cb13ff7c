// Redis servers of a bench script's own: one redis-server, or a Redis Cluster of three masters,
// on free loopback ports, stopped at clean-up. The processes are started and checked by the same
// module as the tests' (test/support/redis-server.mjs).
import { Redis } from 'ioredis';
import { cli, clusterNodeArgs, createCluster, serverPid, startRedisServer } from '../../test/support/redis-server.mjs';
import { defer } from './cleanup.mjs';
import { pinProcess } from './cpu.mjs';
import { progress } from './options.mjs';
import { freePort } from './ports.mjs';

export { cli };

const PORTS = [6500, 6600];

/**
 * A redis-server of this script's on a free port, stopped at clean-up. Other people's scripts pick
 * ports on this machine too: a start that finds its port taken tries another one.
 */
async function startOwn(argsFor, ports = PORTS) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(...ports);
    const server = await startRedisServer(port, argsFor(port), { replace: false }).catch(() => undefined);
    if (server) {
      defer(() => server.stop());
      progress(`redis-server on ${server.port}`);
      return server;
    }
  }
  throw new Error('could not start a redis-server (ports taken?)');
}

/**
 * A redis-server of this script's, stopped at clean-up, on a port in `ports` ([from, to]) when
 * given: `{ port, url, kill, restart }`. `kill()` is the crash case (SIGKILL, nothing saved) and
 * `restart()` starts it again, empty, on the same port, for a script that breaks it on purpose.
 */
export async function startRedis(extraArgs = [], { ports = PORTS } = {}) {
  const server = await startOwn(() => extraArgs, ports);
  return {
    port: server.port,
    url: server.url,
    kill: () => server.kill(),
    restart: async () => {
      await server.kill();
      await server.start();
    },
  };
}

/** The Redis a section runs on: the one `--redis <url>` names, else a redis-server of its own. */
export async function sectionRedis(redisOption) {
  return redisOption === undefined
    ? startRedis()
    : { url: redisOption, port: Number(new URL(redisOption).port || 6379) };
}

/** Moves the redis-server answering on `port` to CPU `cpu` (`taskset`), as the pinned sections place it. */
export async function pinRedis(port, cpu) {
  const pid = await serverPid(port);
  if (pid === undefined) throw new Error(`no redis-server answers on ${port}`);
  await pinProcess(pid, cpu);
}

/**
 * A Redis Cluster of `masters` masters, no replicas, every slot assigned and the cluster ok:
 * `{ ports, url }` with url `redis-cluster://127.0.0.1:p1,...` as REDIS_URL takes it.
 */
export async function startRedisCluster(masters = 3) {
  const ports = [];
  for (let i = 0; i < masters; i++) ports.push((await startOwn(clusterNodeArgs)).port);
  await createCluster(ports);
  progress(`Redis Cluster on ${ports.join(', ')}`);
  return { ports, url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}` };
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
