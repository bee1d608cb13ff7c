import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { RateLimiter, type RateLimitPolicy } from '../limiter/index.js';
import { clientIp } from '../limiter/identity/client-ip.js';
import { DEFAULT_IPV6_SUBNET } from '../limiter/identity/client-identity.js';
import { type DecisionOrigin } from '../limiter/decision.js';
import { FoldedLog } from '../limiter/resilience/folded-log.js';
import { BlocksRepository } from './blocks.repository.js';
import {
  ACCESS_OPTIONS,
  type AccessModuleOptions,
  DEFAULT_API_KEY_BLOCK_MS,
  DEFAULT_API_KEY_FAILURE_LIMIT,
  DEFAULT_API_KEY_FAILURE_WINDOW_MS,
} from './access.options.js';

/** The limiter policy that counts invalid API keys per address. */
export const API_KEY_FAILURE_POLICY_NAME = 'api-key-failures';
/** The limiter policy that counts the invalid API keys an authenticated `/v1/check` caller passes on. */
export const CALLER_KEY_FAILURE_POLICY_NAME = 'api-key-failures-caller';
/** A caller may pass on this many times the failures one address may have before it is blocked. */
export const CALLER_FAILURE_FACTOR = 10;
/** Blocks decided within this long are written together: one rules version, one reload of the fleet. */
export const BLOCK_BATCH_MS = 1_000;
const ORIGIN: DecisionOrigin = Object.freeze({ entry: 'api_key_auth' });

/**
 * Counts invalid API keys per client address with Floodgate's own limiter (shared by every node on
 * the same store); the attempt that goes over the limit blocks the address for `apiKeyBlockMs`,
 * as a block written by `system` (audited, enforced by every node like an admin's block).
 * Off the response path: the 401 does not wait for any of it.
 *
 * An authenticated `/v1/check` caller (a CHECK_TOKENS name) has its own count too, whether or not
 * its bodies name an `ip`: `CALLER_FAILURE_FACTOR` times an address's. Past it, the keys it passes
 * on are refused without being looked up (`callerRefusalMs`) until its window frees a unit, so it
 * cannot guess keys without limit by naming a new address each time, or none; and the addresses it
 * names are no longer blocked on its word (it may be relaying an attack, or be the attacker). That
 * is logged. An anonymous caller stands for its own address, which is what gets blocked.
 *
 * Blocks decided within `BLOCK_BATCH_MS` are written in one snapshot write, so a flood of them
 * costs the fleet one reload per second, not one each.
 */
@Injectable()
export class ApiKeyFailures implements OnModuleDestroy {
  private readonly logger = new Logger('ApiKeys');
  private readonly policy: RateLimitPolicy;
  private readonly callerPolicy: RateLimitPolicy;
  private readonly blockMs: number;
  private readonly ipv6Subnet: number;
  /** Addresses to block in the next write, and those being written: one block per address at a time. */
  private readonly pending = new Set<string>();
  private readonly writing = new Set<string>();
  private flush: { timer: NodeJS.Timeout; written: Promise<void>; resolve: () => void } | undefined;
  private readonly overCallers = new FoldedLog(60_000);
  /** Callers past their count, until when (epoch ms). Bounded by the CHECK_TOKENS names. */
  private readonly refusedCallers = new Map<string, number>();

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(BlocksRepository) private readonly blocks: BlocksRepository,
    @Inject(ACCESS_OPTIONS) options: AccessModuleOptions,
  ) {
    const limit = options.apiKeyFailureLimit ?? DEFAULT_API_KEY_FAILURE_LIMIT;
    const windowMs = options.apiKeyFailureWindowMs ?? DEFAULT_API_KEY_FAILURE_WINDOW_MS;
    const policy = (name: string, units: number): RateLimitPolicy =>
      Object.freeze({
        name,
        algorithm: 'sliding_window',
        limits: Object.freeze([Object.freeze({ limit: units, windowMs })]),
        shadow: false,
      });
    this.policy = policy(API_KEY_FAILURE_POLICY_NAME, limit);
    this.callerPolicy = policy(CALLER_KEY_FAILURE_POLICY_NAME, limit * CALLER_FAILURE_FACTOR);
    this.blockMs = options.apiKeyBlockMs ?? DEFAULT_API_KEY_BLOCK_MS;
    this.ipv6Subnet = options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
  }

  /**
   * How long (ms) the keys `caller` passes on are still refused unchecked on this node; undefined
   * when they are looked up as usual. Synchronous: the caller gate asks it on every keyed request.
   */
  callerRefusalMs(caller: string | undefined, now = Date.now()): number | undefined {
    if (caller === undefined) return undefined;
    const until = this.refusedCallers.get(caller);
    if (until === undefined) return undefined;
    if (until > now) return until - now;
    this.refusedCallers.delete(caller);
    return undefined;
  }

  /**
   * Counts one invalid key from `address` (the client's, if known) passed on by `caller`, when an
   * authenticated service asked; resolves once any block it caused is written. Never rejects.
   */
  async record(address: string | undefined, caller?: string): Promise<void> {
    const callerOver = caller !== undefined && (await this.countCaller(caller));
    // One host owns its whole IPv6 /64: it is counted, and blocked, as one.
    const ip = clientIp(address, this.ipv6Subnet);
    if (address === undefined || ip === 'unknown') return;
    const decision = await this.limiter.consume(this.policy, `ip:${ip}`, 1, ORIGIN);
    if (decision.outcome !== 'limited' || callerOver) return;
    if (this.pending.has(ip) || this.writing.has(ip)) return this.flush?.written;
    this.pending.add(ip);
    return this.scheduled();
  }

  /** Counts one invalid key against `caller`; true (and its keys refused for a while) once it is past its count. */
  private async countCaller(caller: string): Promise<boolean> {
    const decision = await this.limiter.consume(this.callerPolicy, `caller:${caller}`, 1, ORIGIN);
    if (decision.outcome !== 'limited') return false;
    const waitMs = Math.max(1, decision.retryAfterMs);
    this.refusedCallers.set(caller, Date.now() + waitMs);
    this.overCallers.report(caller, (more) =>
      this.logger.warn(
        `Caller "${caller}" passes on more than ${this.callerPolicy.limits[0]!.limit} invalid API keys per window: its keys are refused unchecked for ${Math.ceil(waitMs / 1000)} s and the addresses it names are not blocked on its word${more > 0 ? `; ${more} more since the last report` : ''}`,
      ),
    );
    return true;
  }

  /** Writes what is pending now (at shutdown nothing decided is dropped). */
  async onModuleDestroy(): Promise<void> {
    if (this.flush === undefined) return;
    clearTimeout(this.flush.timer);
    await this.write();
  }

  /** The next write of the pending blocks, scheduled when none is. */
  private scheduled(): Promise<void> {
    if (this.flush === undefined) {
      let resolve!: () => void;
      const written = new Promise<void>((done) => (resolve = done));
      const timer = setTimeout(() => void this.write(), BLOCK_BATCH_MS);
      timer.unref();
      this.flush = { timer, written, resolve };
    }
    return this.flush.written;
  }

  private async write(): Promise<void> {
    const flush = this.flush;
    this.flush = undefined;
    const ips = [...this.pending];
    this.pending.clear();
    for (const ip of ips) this.writing.add(ip);
    const [spec] = this.policy.limits;
    const reason = `more than ${spec!.limit} invalid API keys within ${spec!.windowMs / 1000} s`;
    try {
      const written = await this.blocks.createMany(
        ips.map((ip) => ({
          type: 'ip' as const,
          value: ip,
          durationMs: this.blockMs,
          reason,
          publicReason: 'Too many invalid API keys',
        })),
        'system',
      );
      for (const block of written) {
        this.logger.warn(`Blocked ${block.value} until ${block.expiresAt}: ${block.reason} (block ${block.id})`);
      }
    } catch (error) {
      this.logger.error({ err: error }, `Could not block ${ips.join(', ')} after repeated invalid API keys`);
    } finally {
      for (const ip of ips) this.writing.delete(ip);
      flush?.resolve();
    }
  }
}
