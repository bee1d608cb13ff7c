import { deserialize, serialize } from 'node:v8';
import { Redis } from 'ioredis';
import { BaseRateLimitStore, type StateUpdate, type StoredState } from '../../../src/limiter/index.js';

/**
 * A third-party store as `BaseRateLimitStore` means it: Redis used as a plain key-value storage with
 * optimistic transactions (WATCH, read, MULTI/EXEC, again on a conflict), no Lua, states kept as
 * `v8.serialize` bytes until their expiry. Only `transact` and `ping` are written here.
 */
export class OptimisticRedisStore extends BaseRateLimitStore {
  /** WATCH belongs to a connection, so each transaction in flight has one of its own. */
  private readonly idle: Redis[] = [];
  private readonly all: Redis[] = [];
  /** Transactions that found a watched key changed and ran again: proof that races happened. */
  conflicts = 0;

  constructor(private readonly url: string) {
    super();
  }

  protected async transact<R>(
    keys: readonly string[],
    update: (states: (StoredState | undefined)[], nowMs: number) => StateUpdate<R>,
  ): Promise<R> {
    const client = this.idle.pop() ?? this.connect();
    try {
      for (;;) {
        await client.watch(...keys);
        const [stored, [seconds, micros]] = await Promise.all([client.mgetBuffer(...keys), client.time()]);
        const nowMs = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
        const states = stored.map((bytes) => (bytes === null ? undefined : (deserialize(bytes) as StoredState)));
        const { result, states: writes } = update(states, nowMs);
        const transaction = client.multi();
        writes.forEach((state, i) => {
          if (state === undefined) return;
          if (state === null || state.expiresAt <= nowMs) transaction.del(keys[i]!);
          else transaction.set(keys[i]!, serialize(state), 'PXAT', Math.ceil(state.expiresAt));
        });
        if ((await transaction.exec()) !== null) return result;
        this.conflicts++;
      }
    } finally {
      this.idle.push(client);
    }
  }

  async ping(): Promise<void> {
    const client = this.idle.pop() ?? this.connect();
    try {
      await client.ping();
    } finally {
      this.idle.push(client);
    }
  }

  override async close(): Promise<void> {
    await Promise.all(this.all.map((client) => client.quit()));
  }

  private connect(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    this.all.push(client);
    return client;
  }
}
