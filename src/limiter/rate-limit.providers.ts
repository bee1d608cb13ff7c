import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { DenialCache } from './denial-cache.js';
import { DefaultPolicyResolver } from './policy/default-policy.resolver.js';
import { PolicyResolver } from './policy/policy-resolver.js';
import { RATE_LIMIT_OPTIONS } from './rate-limit.constants.js';
import { RateLimitExplorer } from './rate-limit.explorer.js';
import type { RateLimitModuleOptions } from './rate-limit.options.js';
import { RateLimiter } from './rate-limiter.js';
import { CircuitBreakerStore } from './resilience/circuit-breaker.store.js';
import { DecisionLogger } from './resilience/decision.logger.js';
import { MemoryRateLimitStore } from './store/memory/memory.store.js';
import { RateLimitStore } from './store/rate-limit.store.js';
import { createRedisClient, waitUntilReady } from './store/redis/redis-connection.js';
import { RedisRateLimitStore } from './store/redis/redis.store.js';

/** Token of the in-process store the limiter falls back to in fail-open mode (null when off). */
export const RATE_LIMIT_INSURANCE_STORE = Symbol('RateLimitInsuranceStore');

export const DEFAULT_KEY_PREFIX = 'fg';
export const DEFAULT_TIMEOUT_MS = 50;
/** The Redis client's own command timeout under the store's: it only frees commands nobody waits for. */
const BACKSTOP_TIMEOUT_MS = 1_000;
/** Same as the circuit breaker's own default; passed explicitly so Retry-After matches it. */
export const DEFAULT_HALF_OPEN_AFTER_MS = 500;
/** How long a Redis connection created by the module may take to become ready at startup. */
export const REDIS_READY_TIMEOUT_MS = 5_000;
/** How often expired cached denials are dropped. */
export const SWEEP_INTERVAL_MS = 5_000;

/** True for an ioredis client or cluster the app passed in (and so owns), false for connection options. */
function isRedisClient(redis: NonNullable<RateLimitModuleOptions['redis']>): redis is Redis | Cluster {
  return typeof redis === 'object' && typeof (redis as { sendCommand?: unknown }).sendCommand === 'function';
}

/**
 * The store: the app's own, else Redis behind a circuit breaker, else one process's memory.
 * A Redis client created here (from a URL or options) must be ready before the app starts: a
 * connection that fails at startup fails the startup rather than being silently failed open.
 * Only such a client is closed on shutdown; one the app passed in stays the app's.
 */
export async function createRateLimitStore(options: RateLimitModuleOptions): Promise<RateLimitStore> {
  if (options.store !== undefined) return options.store;
  if (options.redis === undefined) return new MemoryRateLimitStore();
  const given = isRedisClient(options.redis);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = given
    ? (options.redis as Redis | Cluster)
    : // The store enforces `timeoutMs` itself (withDeadline); the client's timeout is only the backstop
      // that frees a command a hung server never answers.
      createRedisClient(options.redis as string | RedisOptions, {
        commandTimeoutMs: Math.max(BACKSTOP_TIMEOUT_MS, timeoutMs * 10),
      });
  if (!given) {
    try {
      await waitUntilReady(client, REDIS_READY_TIMEOUT_MS);
    } catch (error) {
      client.disconnect();
      throw new Error(`RateLimitModule: ${(error as Error).message}`, { cause: error });
    }
  }
  const redis = new RedisRateLimitStore(client, { ownsClient: !given, timeoutMs });
  return new CircuitBreakerStore(redis, {
    consecutiveFailures: options.breaker?.consecutiveFailures,
    halfOpenAfterMs: options.breaker?.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS,
  });
}

function insuranceNodes(options: RateLimitModuleOptions): number {
  if (!options.insurance) return 0;
  const { nodes } = options.insurance;
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new Error(`RateLimitModule: "insurance.nodes" must be an integer >= 1, got ${String(nodes)}`);
  }
  return nodes;
}

export function createRateLimiter(
  options: RateLimitModuleOptions,
  store: RateLimitStore,
  insurance: RateLimitStore | null,
): RateLimiter {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || keyPrefix === '') {
    throw new Error(`RateLimitModule: "keyPrefix" must be a non-empty string, got ${String(keyPrefix)}`);
  }
  return new RateLimiter(
    store,
    {
      keyPrefix,
      failMode: options.failMode ?? 'open',
      failClosedRetryAfterMs: options.breaker?.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS,
      insuranceNodes: insuranceNodes(options),
    },
    new DenialCache(),
    insurance ?? undefined,
  );
}

/** Runs the limiter's periodic sweep and closes what the module created when the app shuts down. */
@Injectable()
export class RateLimitLifecycle implements OnModuleInit, OnApplicationShutdown {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RateLimitStore) private readonly store: RateLimitStore,
    @Inject(RATE_LIMIT_INSURANCE_STORE) private readonly insurance: RateLimitStore | null,
    @Inject(RATE_LIMIT_OPTIONS) private readonly options: RateLimitModuleOptions,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => this.limiter.sweep(), SWEEP_INTERVAL_MS);
    // A rate limiter must never be what keeps a process alive.
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    // A store the app passed in is the app's to close.
    if (this.options.store === undefined) await this.store.close();
    await this.insurance?.close();
  }
}

/**
 * Keys the fail-open insurance store holds: it fills only while the store fails, and a flood of new
 * identities then must not take the node's memory (100,000 sliding-window keys measured 29 MB of
 * heap; the store's own default of 1,000,000 would be about 290 MB).
 * Past it the least recently used go, which only makes the insurance more lenient to them.
 */
export const INSURANCE_MAX_KEYS = 100_000;

/** Every provider of `RateLimitModule` but the options (from the module builder) and the guard. */
export const RATE_LIMIT_PROVIDERS: Provider[] = [
  { provide: RateLimitStore, inject: [RATE_LIMIT_OPTIONS], useFactory: createRateLimitStore },
  {
    provide: RATE_LIMIT_INSURANCE_STORE,
    inject: [RATE_LIMIT_OPTIONS],
    useFactory: (options: RateLimitModuleOptions) =>
      options.insurance ? new MemoryRateLimitStore({ maxKeys: INSURANCE_MAX_KEYS }) : null,
  },
  {
    provide: RateLimiter,
    inject: [RATE_LIMIT_OPTIONS, RateLimitStore, RATE_LIMIT_INSURANCE_STORE],
    useFactory: createRateLimiter,
  },
  { provide: PolicyResolver, useClass: DefaultPolicyResolver },
  RateLimitLifecycle,
  RateLimitExplorer,
  DecisionLogger,
];
