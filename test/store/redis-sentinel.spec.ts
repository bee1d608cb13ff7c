/**
 * The Redis store through a real Redis Sentinel: a master (127.0.0.1:6397) with one replica (6398)
 * watched by one sentinel (26397), reached only by `redis-sentinel://` URL. The store contract runs
 * against it, keys must land on the master the sentinel names, and once the master dies consumes
 * must reach the promoted replica without any help.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import type { LimitSpec } from '../../src/limiter/algorithms.js';
import { describeStoreContract } from '../../src/limiter/store/store.contract.js';
import { baseKey, limitKey } from '../../src/limiter/store/store-key.js';
import { createRedisClient, waitUntilReady } from '../../src/limiter/store/redis/redis-connection.js';
import { RedisRateLimitStore } from '../../src/limiter/store/redis/redis.store.js';
import { cli, startRedisServer, waitFor, type RedisServerHandle } from '../support/redis-server.mjs';

const MASTER_PORT = 6397;
const REPLICA_PORT = 6398;
const SENTINEL_PORT = 26397;
const MASTER_NAME = 'fgmaster';
const SENTINEL_URL = `redis-sentinel://127.0.0.1:${SENTINEL_PORT}/${MASTER_NAME}`;
const HOUR = 3_600_000;

const freshKey = () => baseKey('fgtest', 'redis-sentinel', randomUUID());

/** The port of the master `name` that the sentinel on `port` currently names. */
async function sentinelMasterPort(port = SENTINEL_PORT, name = MASTER_NAME): Promise<number> {
  const reply = await cli(port, 'sentinel', 'get-master-addr-by-name', name);
  return Number(reply.split('\n')[1]);
}

interface SentinelHandle {
  stop(): Promise<void>;
}

/**
 * One sentinel on 127.0.0.1:`port` (26397 unless told) watching the master on 6397 as `name`,
 * answering once it names that master and has seen `replicas` replicas (it can only fail over to a
 * replica it knows). Sentinels only meet those watching the same name, so another name keeps a
 * second sentinel out of the first one's failover votes.
 */
async function startSentinel(replicas: number, port = SENTINEL_PORT, name = MASTER_NAME): Promise<SentinelHandle> {
  // A sentinel left over from an aborted run would still watch its own (stale) view of the master.
  await cli(port, 'shutdown', 'nosave').catch(() => undefined);
  // Sentinel rewrites its config file as it learns, so it gets a private copy in a temp dir.
  const dir = mkdtempSync(join(tmpdir(), `fg-sentinel-${port}-`));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${MASTER_PORT} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => (await sentinelMasterPort(port, name)) === MASTER_PORT,
      'the sentinel to name the master',
    );
    await waitFor(
      async () => (await cli(port, 'sentinel', 'master', name)).includes(`num-slaves\n${replicas}`),
      `the sentinel to see ${replicas} replica(s)`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

async function role(port: number): Promise<string> {
  return /role:(\w+)/.exec(await cli(port, 'info', 'replication'))?.[1] ?? 'unknown';
}

let master: RedisServerHandle;
let replica: RedisServerHandle;
let sentinel: SentinelHandle;

beforeAll(async () => {
  // No 5 s wait for more replicas before the first full sync.
  // Redis 7 waits up to 10 s on SIGTERM for lagging replicas; a test server has nothing to protect.
  master = await startRedisServer(MASTER_PORT, ['--repl-diskless-sync-delay', '0', '--shutdown-timeout', '0']);
  // Both may serve as master (after the planned failover the replica does): no 5 s sync delay on either.
  replica = await startRedisServer(REPLICA_PORT, [
    '--replicaof',
    '127.0.0.1',
    String(MASTER_PORT),
    '--repl-diskless-sync-delay',
    '0',
    '--shutdown-timeout',
    '0',
  ]);
  await waitFor(
    async () => (await cli(REPLICA_PORT, 'info', 'replication')).includes('master_link_status:up'),
    'the replica to sync',
  );
  sentinel = await startSentinel(1);
}, 30_000);

afterAll(async () => {
  await sentinel?.stop();
  await replica?.stop();
  await master?.stop();
}, 20_000);

/** A store through the sentinel; the contract gets a lenient timeout, as a loaded CI machine needs it. */
async function openStore(commandTimeoutMs: number): Promise<{ store: RedisRateLimitStore; client: Redis | Cluster }> {
  const client = createRedisClient(SENTINEL_URL, { commandTimeoutMs });
  await waitUntilReady(client, 10_000);
  return { store: new RedisRateLimitStore(client, { ownsClient: true }), client };
}

describeStoreContract('redis (sentinel)', async () => {
  const { store } = await openStore(1_000);
  return { store, dispose: () => store.close() };
});

// ioredis ends a sentinel client for good when a connect attempt is aborted: its failover detector
// does that when +switch-master arrives mid-connect (the crash case below hit it under CI load), and
// so does a sentinelRetryStrategy that gives up, which makes the end certain here.
describe('a sentinel client that ends without its owner closing it', () => {
  const LATE_SENTINEL_PORT = 26398;
  const LATE_NAME = 'fglate';

  it('connects again once a sentinel answers, and stays closed once its owner closes it', async () => {
    const client = createRedisClient(
      {
        sentinels: [{ host: '127.0.0.1', port: LATE_SENTINEL_PORT }],
        name: LATE_NAME,
        sentinelRetryStrategy: () => null,
      },
      { commandTimeoutMs: 50 },
    );
    // A duplicate (what the rules bus subscribes on) has the same options, and must mend the same way.
    const duplicate = (client as Redis).duplicate();
    // Listeners are not duplicated: without one, ioredis would print the duplicate's errors.
    duplicate.on('error', () => undefined);
    let ends = 0;
    client.on('end', () => ends++);
    let duplicateEnded = false;
    duplicate.on('end', () => (duplicateEnded = true));
    let late: SentinelHandle | undefined;
    try {
      await waitFor(async () => ends > 0 && duplicateEnded, 'both clients to give up on the missing sentinel');
      late = await startSentinel(1, LATE_SENTINEL_PORT, LATE_NAME);
      await waitFor(async () => (await client.ping()) === 'PONG', 'the client to connect again');
      expect(/tcp_port:(\d+)/.exec(await (client as Redis).info('server'))?.[1]).toBe(String(MASTER_PORT));
      await waitFor(async () => (await duplicate.ping()) === 'PONG', 'its duplicate to connect again');

      await client.quit();
      // quit() resolves on Redis's OK; the client ends when the socket closes, just after.
      await waitFor(async () => client.status === 'end', 'the client to end after QUIT');
      const endsAtQuit = ends;
      await sleep(500); // more than twice the 200 ms after which an unasked-for end reconnects
      expect(client.status).toBe('end');
      expect(ends).toBe(endsAtQuit);
    } finally {
      client.disconnect();
      duplicate.disconnect();
      await late?.stop();
    }
  }, 30_000);
});

// Failover both ways: planned (SENTINEL FAILOVER: the old master stays up, so only the client's
// failover detector moves it; without it the client kept writing to the old master for ~10 s, and
// those writes were lost when it was demoted) and a crash of whichever server is master then.
describe('RedisRateLimitStore through a sentinel', () => {
  let store: RedisRateLimitStore;
  let client: Redis | Cluster;
  const limits: LimitSpec[] = [{ limit: 5, windowMs: HOUR }];

  beforeAll(async () => {
    ({ store, client } = await openStore(50));
  });
  /** The port of the server the store's own connection is talking to right now. */
  const connectedPort = async () => Number(/tcp_port:(\d+)/.exec(await (client as Redis).info('server'))?.[1]);
  afterAll(async () => {
    await store.close();
  });

  it('writes to the master the sentinel names', async () => {
    const key = freshKey();
    expect((await store.consume({ key, algorithm: 'fixed_window', limits, cost: 2 })).allowed).toBe(true);
    expect(await sentinelMasterPort()).toBe(MASTER_PORT);
    expect(await connectedPort()).toBe(MASTER_PORT);
    expect(await role(MASTER_PORT)).toBe('master');
    expect(await cli(MASTER_PORT, 'exists', limitKey(key, 'fixed_window', HOUR))).toBe('1');
  });

  /**
   * The limit's remaining count after `request`, retried within a bound: around a failover the
   * sentinel kills client connections and its +switch-master makes ioredis reconnect once more, in
   * either order, so a command can still meet a reconnect ("Stream isn't writeable"), which the
   * guard would answer by failing open. With `on`, only an answer from that server counts.
   */
  const remainingOnceReachable = async (request: Parameters<RedisRateLimitStore['consume']>[0], on?: number) => {
    let remaining: number | undefined;
    await waitFor(
      async () => {
        if (on !== undefined && (await connectedPort()) !== on) return false;
        remaining = (await store.consume(request)).limits[0]!.remaining;
        return true;
      },
      `a consume to succeed${on === undefined ? '' : ` on ${on}`}`,
    );
    return remaining!;
  };

  /** The other server of the pair. */
  const otherThan = (port: number) => (port === MASTER_PORT ? REPLICA_PORT : MASTER_PORT);
  /** One consume, then waits until the replica holds it, so a failover never measures replication lag. */
  const consumeAndReplicate = async (request: Parameters<RedisRateLimitStore['consume']>[0], replicaPort: number) => {
    expect((await store.consume(request)).allowed).toBe(true);
    await waitFor(
      async () => (await cli(replicaPort, 'exists', limitKey(request.key, request.algorithm, HOUR))) === '1',
      'the write to reach the replica',
    );
  };

  it('follows a planned failover (SENTINEL FAILOVER) and writes only to the new master', async () => {
    const request = { key: freshKey(), algorithm: 'fixed_window' as const, limits, cost: 1 };
    const before = await sentinelMasterPort();
    const next = otherThan(before);
    await consumeAndReplicate(request, next);

    await cli(SENTINEL_PORT, 'sentinel', 'failover', MASTER_NAME);
    await waitFor(async () => (await sentinelMasterPort()) === next, 'the sentinel to promote the replica');
    // Without ioredis' failoverDetector this took ~11 s: well past this bound.
    await waitFor(async () => (await connectedPort()) === next, 'the client to follow the failover', 5_000);
    const remaining = await remainingOnceReachable(request, next);
    expect(await role(next)).toBe('master');
    // The write from before the failover is kept (a retry answered too late may have counted too)...
    expect(remaining).toBeLessThanOrEqual(3);
    // ...and what the store answered is what the new master holds: nothing went to the old one.
    expect(await remainingOnceReachable({ ...request, cost: 0 })).toBe(remaining);
    expect(await cli(next, 'get', limitKey(request.key, request.algorithm, HOUR))).toMatch(
      new RegExp(`^\\d+:${5 - remaining}$`),
    );
  }, 30_000);

  it('reaches the promoted replica once the master dies, keeping what was used', async () => {
    const request = { key: freshKey(), algorithm: 'fixed_window' as const, limits, cost: 1 };
    const dying = await sentinelMasterPort();
    const next = otherThan(dying);
    // The demoted master of the previous test must be a synced replica before this one can fail over.
    await waitFor(
      async () => /master_link_status:up/.test(await cli(next, 'info', 'replication')),
      'the replica to be in sync',
      20_000,
    );
    await consumeAndReplicate(request, next);

    await cli(dying, 'shutdown', 'nosave', 'now').catch(() => undefined);
    await waitFor(async () => (await sentinelMasterPort()) === next, 'the sentinel to promote the replica');

    // Consumes fail while the client reconnects; they must succeed again, against the new master,
    // within a bounded time.
    const remaining = await remainingOnceReachable(request, next);
    expect(await role(next)).toBe('master');
    // One before the crash, at least one after (an earlier attempt may have been written, then
    // answered too late for the 50 ms timeout).
    expect(remaining).toBeLessThanOrEqual(3);
    expect(await remainingOnceReachable({ ...request, cost: 0 })).toBe(remaining);
  }, 45_000);
});
