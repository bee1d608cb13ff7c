import type { Cluster, Redis } from 'ioredis';
import { ALGORITHMS, MAX_LIMITS, type Algorithm } from '../../algorithms.js';
import type { ConsumeRequest, ConsumeResult, RateLimitStore } from '../rate-limit.store.js';
import { limitKey } from '../store-key.js';
import { parseConsumeReply } from './consume-reply.js';
import { defineScripts, scriptCommand } from './redis-scripts.js';

export interface RedisRateLimitStoreOptions {
  /** Whether `close()` quits the client. Default false: a client you pass in stays yours. */
  readonly ownsClient?: boolean;
}

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The distributed store: one Lua script per algorithm, run atomically by Redis (single server or
 * Cluster: every key of one caller shares a hash tag), one round trip per consume. Time is Redis's
 * own (`TIME`), so nodes with skewed clocks still agree.
 *
 * @example
 * const store = new RedisRateLimitStore(createRedisClient('redis://127.0.0.1:6379', { commandTimeoutMs: 50 }),
 *   { ownsClient: true });
 */
export class RedisRateLimitStore implements RateLimitStore {
  /** The script commands by algorithm, then by number of limits (index 0 unused). */
  private readonly scripts: Readonly<Record<Algorithm, readonly ScriptCall[]>>;
  private closed = false;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly options: RedisRateLimitStoreOptions = {},
  ) {
    defineScripts(client);
    const commands = client as unknown as Record<string, ScriptCall>;
    this.scripts = Object.fromEntries(
      ALGORITHMS.map((algorithm) => [
        algorithm,
        Array.from({ length: MAX_LIMITS + 1 }, (_, n) => commands[scriptCommand(algorithm, Math.max(n, 1))]!),
      ]),
    ) as Record<Algorithm, ScriptCall[]>;
  }

  async consume(request: ConsumeRequest): Promise<ConsumeResult> {
    const { key, algorithm, limits, cost } = request;
    const n = limits.length;
    if (n < 1 || n > MAX_LIMITS) throw new Error(`A consume takes 1 to ${MAX_LIMITS} limits, got ${n}`);
    // KEYS[1..n], cost, then limit/windowMs/burst per limit: the layout the scripts document.
    const args: (string | number)[] = new Array(1 + 4 * n);
    args[n] = cost;
    for (let i = 0; i < n; i++) {
      const spec = limits[i]!;
      args[i] = limitKey(key, algorithm, spec.windowMs);
      args[n + 1 + 3 * i] = spec.limit;
      args[n + 2 + 3 * i] = spec.windowMs;
      args[n + 3 + 3 * i] = spec.burst ?? -1;
    }
    const reply = await this.scripts[algorithm][n]!.apply(this.client, args);
    return parseConsumeReply(reply, limits);
  }

  async ping(): Promise<void> {
    await this.client.ping();
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
}

function hasEnded(client: Redis | Cluster): boolean {
  return client.status === 'end';
}
