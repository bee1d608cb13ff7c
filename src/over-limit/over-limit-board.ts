import type { Cluster, Redis } from 'ioredis';
import type { OverLimitBoardPage, OverLimitEntry } from './over-limit-entry.js';

export type { OverLimitBoardPage, OverLimitEntry };

/** How many callers the board keeps: the ones that stay at their limit longest win. */
export const MAX_OVER_LIMIT_ENTRIES = 10_000;

/**
 * Where the nodes post who is at or over a limit, and where the admin view reads it: the fleet's
 * (Redis) or this node's (memory). Bounded, and read by pages, never by scanning a keyspace.
 */
export abstract class OverLimitBoard {
  /** Adds or extends entries, and drops the ones that ended before `now`. */
  abstract post(entries: readonly OverLimitEntry[], now: number): Promise<void>;
  /** Entries still in force at `now`, the longest lasting first. */
  abstract page(now: number, offset: number, limit: number): Promise<OverLimitBoardPage>;
  abstract close(): Promise<void>;
}

function memberOf(entry: OverLimitEntry): string {
  return JSON.stringify([entry.rule, entry.policy, entry.identity]);
}

function entryOf(member: string, score: string | number): OverLimitEntry {
  const [rule, policy, identity] = JSON.parse(member) as [string, string, string];
  return { rule, policy, identity, until: Number(score) };
}

/** One process's board (no Redis: the service is one node). */
export class MemoryOverLimitBoard extends OverLimitBoard {
  private readonly entries = new Map<string, OverLimitEntry>();

  async post(entries: readonly OverLimitEntry[], now: number): Promise<void> {
    for (const [member, entry] of this.entries) if (entry.until <= now) this.entries.delete(member);
    for (const entry of entries) {
      const member = memberOf(entry);
      const known = this.entries.get(member);
      if (known === undefined || known.until < entry.until) this.entries.set(member, entry);
    }
    if (this.entries.size <= MAX_OVER_LIMIT_ENTRIES) return;
    const sorted = [...this.entries.entries()].sort(([, a], [, b]) => a.until - b.until);
    for (const [member] of sorted.slice(0, this.entries.size - MAX_OVER_LIMIT_ENTRIES)) this.entries.delete(member);
  }

  async page(now: number, offset: number, limit: number): Promise<OverLimitBoardPage> {
    const live = [...this.entries.values()].filter((entry) => entry.until > now).sort((a, b) => b.until - a.until);
    return { items: live.slice(offset, offset + limit), total: live.length };
  }

  async close(): Promise<void> {}
}

/**
 * The fleet's board: one sorted set of `[rule, policy, identity]` scored by `until`, written with
 * ZADD GT (a later end extends, an earlier one never shortens), trimmed by score and by rank at
 * every post. One key, so it works on a Redis Cluster too.
 */
export class RedisOverLimitBoard extends OverLimitBoard {
  constructor(
    private readonly client: Redis | Cluster,
    private readonly key: string,
    private readonly ownsClient: boolean,
  ) {
    super();
  }

  async post(entries: readonly OverLimitEntry[], now: number): Promise<void> {
    const pipeline = this.client.multi();
    if (entries.length > 0) {
      pipeline.zadd(this.key, 'GT', ...entries.flatMap((entry) => [entry.until, memberOf(entry)]));
    }
    pipeline.zremrangebyscore(this.key, '-inf', now);
    pipeline.zremrangebyrank(this.key, 0, -(MAX_OVER_LIMIT_ENTRIES + 1));
    // Nothing stays when the fleet stops posting: an entry lasts at most as long as its limit's window.
    pipeline.pexpire(this.key, 24 * 3_600_000);
    await pipeline.exec();
  }

  async page(now: number, offset: number, limit: number): Promise<OverLimitBoardPage> {
    const [range, total] = await Promise.all([
      this.client.zrevrangebyscore(this.key, '+inf', `(${now}`, 'WITHSCORES', 'LIMIT', offset, limit),
      this.client.zcount(this.key, `(${now}`, '+inf'),
    ]);
    const items: OverLimitEntry[] = [];
    for (let i = 0; i < range.length; i += 2) items.push(entryOf(range[i]!, range[i + 1]!));
    return { items, total };
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }
}
