import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis } from 'ioredis';
import { MAX_LIMITS, RATE_ALGORITHMS, type RateAlgorithm } from '../../algorithms.js';
import { LeaseIds } from '../lease-ids.js';
import {
  checkLimits,
  type ConsumeRequest,
  type ConsumeResult,
  type RateLimitStore,
  type RefundRequest,
  type ReleaseRequest,
  type StoreTarget,
  limitKeyOf,
} from '../rate-limit.store.js';
import { penaltyKey } from '../store-key.js';
import {
  consumeReplyLength,
  parseConsumeReply,
  parseRefundReply,
  parseReleaseReply,
  splitBatchReply,
} from './consume-reply.js';
import { ConsumeBatcher } from './consume-batcher.js';
import { withDeadline } from './deadline.js';
import {
  batchCommand,
  batchKeyCount,
  BATCH_KEY_COUNTS,
  defineScripts,
  refundCommand,
  RELEASE_COMMAND,
  scriptCommand,
} from './redis-scripts.js';

export interface RedisRateLimitStoreOptions {
  /** Whether `close()` quits the client. Default false: a client you pass in stays yours. */
  readonly ownsClient?: boolean;
  /**
   * Longest wait for a script's answer, ms (`withDeadline`: a reply already in the socket counts as
   * on time). Unset: only the client's own timeout applies.
   */
  readonly timeoutMs?: number;
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/** One rate consume on its way to Redis: its consume script's keys, then its arguments, in `args`. */
interface Consume {
  readonly algorithm: RateAlgorithm;
  /** How many of `args` are keys. */
  readonly keys: number;
  readonly args: (string | number)[];
  /** How many integers its script answers: its part of a batch's reply. */
  readonly replyLength: number;
}

/**
 * The distributed store: one Lua script per algorithm, run atomically by Redis (single server or
 * Cluster: every key of one caller shares a hash tag). The consumes of one turn go in few calls
 * (`ConsumeBatcher`): per algorithm, and on a Cluster per slot. Time is Redis's own (`TIME`), so
 * nodes with skewed clocks still agree.
 *
 * @example
 * const store = new RedisRateLimitStore(createRedisClient('redis://127.0.0.1:6379', { commandTimeoutMs: 1_000 }),
 *   { ownsClient: true, timeoutMs: 50 });
 */
export class RedisRateLimitStore implements RateLimitStore {
  /** The consume commands by algorithm, then by number of keys (index 0 unused). */
  private readonly consumeScripts: Readonly<Record<RateAlgorithm, readonly ScriptCall[]>>;
  /** The batch commands by algorithm, then by key count (only those of BATCH_KEY_COUNTS are set). */
  private readonly batchScripts: Readonly<Record<RateAlgorithm, readonly ScriptCall[]>>;
  /** The refund commands by algorithm, then by number of limits (index 0 unused). */
  private readonly refundScripts: Readonly<Record<RateAlgorithm, readonly ScriptCall[]>>;
  private readonly acquireScript: ScriptCall;
  private readonly releaseScript: ScriptCall;
  private readonly leaseIds = new LeaseIds();
  private readonly batcher = new ConsumeBatcher<Consume>(
    (one) => this.consumeScripts[one.algorithm][one.keys]!.apply(this.client, one.args),
    (many) => this.sendBatch(many),
    (call) => this.timed(call),
  );
  /** A Cluster runs one script on one slot's keys only: batches are then per slot. */
  private readonly cluster: boolean;
  private closed = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly options: RedisRateLimitStoreOptions = {},
  ) {
    defineScripts(client);
    const commands = client as unknown as Record<string, ScriptCall>;
    const byKeys = (name: (keys: number) => string, most: number) =>
      Array.from({ length: most + 1 }, (_, keys) => commands[name(Math.max(keys, 1))]!);
    const table = (name: (algorithm: RateAlgorithm, keys: number) => string, most: number) =>
      Object.fromEntries(
        RATE_ALGORITHMS.map((algorithm) => [algorithm, byKeys((keys) => name(algorithm, keys), most)]),
      ) as Record<RateAlgorithm, ScriptCall[]>;
    // One more key than limits with a penalty.
    this.consumeScripts = table(scriptCommand, MAX_LIMITS + 1);
    this.batchScripts = Object.fromEntries(
      RATE_ALGORITHMS.map((algorithm) => {
        const byKeyCount: ScriptCall[] = [];
        for (const keys of BATCH_KEY_COUNTS) byKeyCount[keys] = commands[batchCommand(algorithm, keys)]!;
        return [algorithm, byKeyCount];
      }),
    ) as Record<RateAlgorithm, ScriptCall[]>;
    this.refundScripts = table(refundCommand, MAX_LIMITS);
    this.acquireScript = commands[scriptCommand('concurrency', 1)]!;
    this.releaseScript = commands[RELEASE_COMMAND]!;
    this.cluster = (client as { isCluster?: boolean }).isCluster === true;
  }

  async consume(request: ConsumeRequest): Promise<ConsumeResult> {
    const { key, algorithm, limits, cost, penalty } = request;
    const n = checkLimits(request);
    if (algorithm === 'concurrency') return this.acquire(request);
    // KEYS[1..n] (+ the penalty's), cost, then limit/windowMs/burst per limit (+ the penalty's 4):
    // the layout the scripts document.
    const keys = penalty === undefined ? n : n + 1;
    const args: (string | number)[] = new Array(keys + 1 + 3 * n + (penalty === undefined ? 0 : 4));
    for (let i = 0; i < n; i++) {
      const spec = limits[i]!;
      args[i] = limitKeyOf(request, i);
      args[keys + 1 + 3 * i] = spec.limit;
      args[keys + 2 + 3 * i] = spec.windowMs;
      args[keys + 3 + 3 * i] = spec.burst ?? -1;
    }
    if (penalty !== undefined) {
      args[n] = penaltyKey(key);
      const at = keys + 1 + 3 * n;
      args[at] = penalty.blockDurationMs;
      args[at + 1] = penalty.multiplier;
      args[at + 2] = penalty.decayMs;
      args[at + 3] = penalty.maxBlockMs;
    }
    args[keys] = cost;
    // Every key of a caller carries its hash tag: the first names the slot of them all.
    const group = this.cluster ? `${algorithm}:${calculateSlot(args[0] as string)}` : algorithm;
    const replyLength = consumeReplyLength(n, penalty !== undefined);
    const reply = await this.batcher.submit(group, { algorithm, keys, args, replyLength });
    return parseConsumeReply(reply, limits, penalty !== undefined);
  }

  async release(request: ReleaseRequest): Promise<boolean> {
    if (request.algorithm !== 'concurrency') return false;
    checkLimits(request);
    const leases = limitKeyOf(request, 0);
    return parseReleaseReply(await this.timed(this.releaseScript.call(this.client, leases, request.leaseId)));
  }

  async refund(request: RefundRequest): Promise<void> {
    const { algorithm, limits, cost, consumedAtMs } = request;
    const n = checkLimits(request);
    if (algorithm === 'concurrency' || cost === 0) return;
    // KEYS[1..n], cost, consumedAtMs, then limit/windowMs per limit.
    const args: (string | number)[] = new Array(n + 2 + 2 * n);
    args[n] = cost;
    args[n + 1] = consumedAtMs;
    for (let i = 0; i < n; i++) {
      const spec = limits[i]!;
      args[i] = limitKeyOf(request, i);
      args[n + 2 + 2 * i] = spec.limit;
      args[n + 3 + 2 * i] = spec.windowMs;
    }
    parseRefundReply(await this.timed(this.refundScripts[algorithm][n]!.apply(this.client, args)), n);
  }

  async reset(request: StoreTarget): Promise<void> {
    const n = checkLimits(request);
    // One DEL: atomic, and one slot on a Cluster (every key carries the caller's hash tag).
    const keys = Array.from({ length: n }, (_, i) => limitKeyOf(request, i));
    await this.client.del(...keys, penaltyKey(request.key));
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  /**
   * Several consumes of one algorithm (and slot) in one call of its batch script (see batch.lua):
   * one reply per consume, split out of the script's one array.
   */
  private async sendBatch(consumes: readonly Consume[]): Promise<unknown[][]> {
    let keyCount = 0;
    for (const consume of consumes) keyCount += consume.keys;
    const padded = batchKeyCount(keyCount);
    // The padding repeats the first key: ignored by the script, and in the batch's slot on a Cluster.
    const args: (string | number)[] = new Array<string | number>(padded).fill(consumes[0]!.args[0]!);
    let nextKey = 0;
    args.push(consumes.length);
    // Where each consume's argument list is, in ARGV (1-based): filled in below.
    const listOf = args.length;
    for (let c = 0; c < consumes.length; c++) args.push(0);
    // One list per distinct argument list, the first consume's with it (few: mostly one rule's).
    const lists: Consume[] = [];
    const listAt: number[] = [];
    for (let c = 0; c < consumes.length; c++) {
      const consume = consumes[c]!;
      const { keys, args: own } = consume;
      for (let i = 0; i < keys; i++) args[nextKey++] = own[i]!;
      let list = lists.findIndex((listed) => sameArguments(listed, consume));
      if (list < 0) {
        list = lists.push(consume) - 1;
        listAt.push(args.length - padded + 1);
        args.push(keys, own.length - keys);
        for (let i = keys; i < own.length; i++) args.push(own[i]!);
      }
      args[listOf + c] = listAt[list]!;
    }
    const reply = await this.batchScripts[consumes[0]!.algorithm][padded]!.apply(this.client, args);
    return splitBatchReply(
      reply,
      consumes.map((consume) => consume.replyLength),
    );
  }

  private timed<T>(call: Promise<T>): Promise<T> {
    return this.options.timeoutMs === undefined ? call : withDeadline(call, this.options.timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.options.ownsClient || hasEnded(this.client)) return;
    // Only a connected client says goodbye: while Redis is down QUIT would wait for a reconnect that
    // may never come (and shutdown with it).
    if (this.client.status === 'ready') {
      // quit() resolves on Redis's OK; the sockets are released only at 'end'.
      const ended = new Promise((resolve) => this.client.once('end', resolve));
      try {
        await this.client.quit();
        if (!hasEnded(this.client)) await ended;
      } catch {
        // The connection broke meanwhile: dropped below like an unconnected one.
      }
    }
    // Drops the socket and any reconnect timer. It also frees the connector's own connections that
    // quit() leaves open (a sentinel client's failover detector keeps subscribing to the sentinels,
    // and so keeps the process alive).
    this.client.disconnect();
  }

  /** A concurrency consume: acquires a lease (cost >= 1) or reports the leases in force (cost 0). */
  private async acquire(request: ConsumeRequest): Promise<ConsumeResult> {
    const { limits, cost } = request;
    const { limit, windowMs } = limits[0]!;
    const leaseId = cost > 0 ? this.leaseIds.next() : '';
    const reply = await this.timed(
      this.acquireScript.call(this.client, limitKeyOf(request, 0), cost, limit, windowMs, leaseId),
    );
    const result = parseConsumeReply(reply, limits);
    return result.allowed && cost > 0 ? { ...result, leaseId } : result;
  }
}

/** Whether two consumes pass their scripts the same arguments (their keys aside). */
function sameArguments(a: Consume, b: Consume): boolean {
  if (a.keys !== b.keys || a.args.length !== b.args.length) return false;
  for (let i = a.keys; i < a.args.length; i++) if (a.args[i] !== b.args[i]) return false;
  return true;
}

function hasEnded(client: Redis | Cluster): boolean {
  return client.status === 'end';
}
