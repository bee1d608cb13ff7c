import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  clientIp,
  DEFAULT_IPV6_SUBNET,
  type DecisionOrigin,
  RateLimiter,
  type RateLimitPolicy,
} from '../limiter/index.js';
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
const ORIGIN: DecisionOrigin = Object.freeze({ entry: 'api_key_auth' });

/**
 * Counts invalid API keys per client address with Floodgate's own limiter (shared by every node on
 * the same store); the attempt that goes over the limit blocks the address for `apiKeyBlockMs`,
 * as a block written by `system` (audited, enforced by every node like an admin's block).
 * Off the response path: the 401 does not wait for any of it.
 */
@Injectable()
export class ApiKeyFailures {
  private readonly logger = new Logger('ApiKeys');
  private readonly policy: RateLimitPolicy;
  private readonly blockMs: number;
  private readonly ipv6Subnet: number;
  /** Addresses being blocked right now: one block per burst of failures, not one per failure. */
  private readonly blocking = new Set<string>();

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(BlocksRepository) private readonly blocks: BlocksRepository,
    @Inject(ACCESS_OPTIONS) options: AccessModuleOptions,
  ) {
    const limit = options.apiKeyFailureLimit ?? DEFAULT_API_KEY_FAILURE_LIMIT;
    const windowMs = options.apiKeyFailureWindowMs ?? DEFAULT_API_KEY_FAILURE_WINDOW_MS;
    this.policy = Object.freeze({
      name: API_KEY_FAILURE_POLICY_NAME,
      algorithm: 'sliding_window',
      limits: Object.freeze([Object.freeze({ limit, windowMs })]),
      shadow: false,
    });
    this.blockMs = options.apiKeyBlockMs ?? DEFAULT_API_KEY_BLOCK_MS;
    this.ipv6Subnet = options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
  }

  /** Counts one invalid key from `address`; resolves once any block it caused is written. Never rejects. */
  async record(address: string | undefined): Promise<void> {
    // One host owns its whole IPv6 /64: it is counted, and blocked, as one.
    const ip = clientIp(address, this.ipv6Subnet);
    if (address === undefined || ip === 'unknown') return;
    const decision = await this.limiter.consume(this.policy, `ip:${ip}`, 1, ORIGIN);
    if (decision.outcome !== 'limited' || this.blocking.has(ip)) return;
    this.blocking.add(ip);
    try {
      const [spec] = this.policy.limits;
      const block = await this.blocks.create(
        {
          type: 'ip',
          value: ip,
          durationMs: this.blockMs,
          reason: `more than ${spec!.limit} invalid API keys within ${spec!.windowMs / 1000} s`,
          publicReason: 'Too many invalid API keys',
        },
        'system',
      );
      this.logger.warn(`Blocked ${ip} until ${block.expiresAt}: ${block.reason} (block ${block.id})`);
    } catch (error) {
      this.logger.error({ err: error }, `Could not block ${ip} after repeated invalid API keys`);
    } finally {
      this.blocking.delete(ip);
    }
  }
}
