import { readFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import type { Logger } from '@nestjs/common';
import { Cluster, type Redis, type RedisOptions } from 'ioredis';
import { createRedisClient, waitUntilReady } from '../limiter/store/redis/redis-connection.js';
import type { StoredRule } from './rule.js';
import type { RulesLoad, SnapshotLoad } from './rules.repository.js';

/** The channel rules versions are announced on when none is configured. */
export const DEFAULT_RULES_CHANNEL = 'floodgate:rules';

/** Where a `RulesBus` connects and which names it uses. */
export interface RulesBusOptions {
  /** A Redis URL as `REDIS_URL` takes it (see `parseRedisUrl`), or ioredis options. */
  readonly redis: string | RedisOptions;
  /** Pub/sub channel of rules versions (default `floodgate:rules`). */
  readonly channel?: string;
  /** Hash holding the newest snapshot for library nodes and nodes catching up (default `<channel>:snapshot`). */
  readonly snapshotKey?: string;
  /** Per-command timeout of PUBLISH and the snapshot reads and writes (ms, default 1000). */
  readonly commandTimeoutMs?: number;
}

/** What a subscriber is told: a version announced, and that messages may have been lost. */
export interface RulesBusListener {
  version(version: number): void;
  /** The subscription was restored after a reconnect: messages sent meanwhile are lost, so check. */
  resubscribed(): void;
}

/** A caller's counters reset under one policy: every node drops its cached denial of that caller. */
export interface CounterReset {
  /** The policy's name (`rule`, or `rule|resource` for a per-resource rule). */
  readonly policy: string;
  readonly identity: string;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
const READY_TIMEOUT_MS = 5_000;

/** Read once: the script is a file beside this module, like the limiter's. */
const STORE_SNAPSHOT_LUA = readFileSync(new URL('./scripts/store-snapshot-1.lua', import.meta.url), 'utf8');
const STORE_SNAPSHOT_COMMAND = 'floodgateStoreRulesSnapshot';

type SnapshotClient = (Redis | Cluster) & {
  [STORE_SNAPSHOT_COMMAND](key: string, version: string, rules: string, sections: Buffer): Promise<number>;
};

/**
 * The rules' Redis side: the channel where a new rules version is announced and the hash holding
 * the snapshot of the newest version: its rules as JSON (for library nodes, which have no
 * Postgres) and its other sections (for service nodes catching up with an announcement). Two
 * connections: commands fail fast like the limiter's (no offline queue), while the subscriber
 * queues its SUBSCRIBE until connected and resubscribes after every reconnect.
 */
export class RulesBus {
  readonly channel: string;
  readonly snapshotKey: string;
  private subscriber: Redis | Cluster | undefined;
  private readonly resetHandlers: ((reset: CounterReset) => void)[] = [];

  private constructor(
    private readonly client: SnapshotClient,
    channel: string,
    snapshotKey: string,
  ) {
    this.channel = channel;
    this.snapshotKey = snapshotKey;
  }

  /** Connects; rejects (and disconnects) when Redis is not ready in time, so a start never hides it. */
  static async connect(options: RulesBusOptions): Promise<RulesBus> {
    const client = createRedisClient(options.redis, {
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    }) as SnapshotClient;
    client.defineCommand(STORE_SNAPSHOT_COMMAND, { numberOfKeys: 1, lua: STORE_SNAPSHOT_LUA });
    try {
      await waitUntilReady(client, READY_TIMEOUT_MS);
    } catch (error) {
      client.disconnect();
      throw new Error(`rules bus: ${(error as Error).message}`, { cause: error });
    }
    const channel = options.channel ?? DEFAULT_RULES_CHANNEL;
    return new RulesBus(client, channel, options.snapshotKey ?? `${channel}:snapshot`);
  }

  /** Announces `version`; rejects when Redis does not take it. */
  async publish(version: number): Promise<void> {
    await this.client.publish(this.channel, String(version));
  }

  /** Channel of counter resets (`<channel>:resets`). */
  get resetsChannel(): string {
    return `${this.channel}:resets`;
  }

  /** Tells every node (this one included) that a caller's counters were reset; rejects when Redis does not take it. */
  async publishReset(reset: CounterReset): Promise<void> {
    await this.client.publish(this.resetsChannel, JSON.stringify(reset));
  }

  /** Calls `handler` for every counter reset announced; register before `subscribe()`. */
  onCounterReset(handler: (reset: CounterReset) => void): void {
    this.resetHandlers.push(handler);
  }

  /** Stores `load` for the other nodes; true when it is newer than the stored one (and replaced it). */
  async storeSnapshot(load: SnapshotLoad): Promise<boolean> {
    const stored = await this.client[STORE_SNAPSHOT_COMMAND](
      this.snapshotKey,
      String(load.version),
      JSON.stringify(load.rules),
      encodeSections(load),
    );
    return stored === 1;
  }

  /**
   * The stored snapshot whole (rules and sections), so a node can catch up with an announcement
   * without querying Postgres. Undefined when none is stored or its sections are not of its version
   * (written by an older node that stored rules only). Rejects when it cannot be decoded.
   */
  async loadFullSnapshot(): Promise<SnapshotLoad | undefined> {
    const [version, rules, sections] = await this.client.hmgetBuffer(this.snapshotKey, 'version', 'rules', 'sections');
    if (!version || !rules || !sections) return undefined;
    const load = decodeSnapshot(version.toString(), rules.toString());
    const stored = decodeSections(sections);
    return stored.version === load.version ? { ...load, ...stored } : undefined;
  }

  /**
   * The stored rule set, its dates revived; undefined when none is stored. Rejects when it is not a
   * version and an array of rules (whether each rule is valid is `RulesSnapshot`'s to say).
   */
  async loadSnapshot(): Promise<RulesLoad | undefined> {
    const [version, rules] = await this.client.hmget(this.snapshotKey, 'version', 'rules');
    if (version === null || rules === null) return undefined;
    return decodeSnapshot(version, rules);
  }

  /**
   * Subscribes on a dedicated connection (a subscribed connection takes no other commands). Resolves
   * once subscribed; `listener` is called for every well-formed version announced.
   */
  async subscribe(listener: RulesBusListener, logger: Logger): Promise<void> {
    const subscriber = this.subscriberConnection();
    this.subscriber = subscriber;
    let readyBefore = false;
    subscriber.on('error', (error: Error) => logger.warn(`rules subscriber: ${error.message}`));
    subscriber.on('ready', () => {
      // The first ready is the initial connect; any later one follows an outage.
      if (readyBefore) listener.resubscribed();
      readyBefore = true;
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.resetsChannel) {
        const reset = decodeReset(message);
        if (reset !== undefined) for (const handler of this.resetHandlers) handler(reset);
        return;
      }
      if (channel !== this.channel) return;
      const version = Number(message);
      if (Number.isSafeInteger(version) && version >= 0) listener.version(version);
    });
    await subscriber.subscribe(this.channel, ...(this.resetHandlers.length > 0 ? [this.resetsChannel] : []));
  }

  /** Nest's last shutdown hook: after every provider stopped using the bus. */
  onApplicationShutdown(): void {
    this.close();
  }

  /** Drops both connections at once: queued commands of an unreachable Redis must not delay a stop. */
  close(): void {
    this.subscriber?.disconnect();
    this.client.disconnect();
  }

  /**
   * The same server as the command client, with the settings a subscriber needs: an offline queue
   * (SUBSCRIBE waits for the connection, and ioredis resubscribes through it after a reconnect), no
   * per-command timeout and no retry limit (a subscription is not a request to fail fast).
   */
  private subscriberConnection(): Redis | Cluster {
    const subscriberOptions: Partial<RedisOptions> = {
      enableOfflineQueue: true,
      enableAutoPipelining: false,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    };
    if (this.client instanceof Cluster) {
      return this.client.duplicate(undefined, {
        enableOfflineQueue: true,
        enableAutoPipelining: false,
        redisOptions: { ...this.client.options.redisOptions, ...subscriberOptions },
      });
    }
    return (this.client as Redis).duplicate(subscriberOptions);
  }
}

function decodeSnapshot(version: string, rules: string): RulesLoad {
  const parsedVersion = Number(version);
  const parsed: unknown = JSON.parse(rules);
  if (!Number.isSafeInteger(parsedVersion) || !Array.isArray(parsed)) {
    throw new Error('the stored rules snapshot is not a version and an array of rules');
  }
  // A row that is not a rule (no object, no valid dates) is passed on as it is, for the snapshot to
  // leave out and name: one bad row must not keep the others out.
  const revived = parsed.map((rule: unknown): StoredRule => {
    if (typeof rule !== 'object' || rule === null) return rule as StoredRule;
    const { createdAt, updatedAt } = rule as Record<string, unknown>;
    return {
      ...(rule as StoredRule),
      createdAt: new Date(createdAt as string),
      updatedAt: new Date(updatedAt as string),
    };
  });
  return { rules: revived, version: parsedVersion };
}

/**
 * The sections' rows in V8's serialization (what `structuredClone` uses): it keeps their `Date`s and
 * `BigInt`s as they came from Prisma, so a section compiles the same rows whichever way they came.
 * The version goes inside: an older node's script rewrites `version` and `rules`, never this field.
 */
function encodeSections({ version, databaseId, sections }: SnapshotLoad): Buffer {
  return serialize({ version, databaseId, sections });
}

function decodeSections(buffer: Buffer): Pick<SnapshotLoad, 'version' | 'databaseId' | 'sections'> {
  const { version, databaseId, sections } = (deserialize(buffer) ?? {}) as Record<string, unknown>;
  if (typeof version !== 'number' || typeof databaseId !== 'string' || typeof sections !== 'object' || !sections) {
    throw new Error('the stored snapshot sections are not a version, a database id and sections by name');
  }
  return { version, databaseId, sections: sections as Record<string, unknown> };
}

/** A reset message, or undefined when it is not one (anyone may publish on a Redis channel). */
function decodeReset(message: string): CounterReset | undefined {
  try {
    const { policy, identity } = JSON.parse(message) as Record<string, unknown>;
    return typeof policy === 'string' && typeof identity === 'string' ? { policy, identity } : undefined;
  } catch {
    return undefined;
  }
}
