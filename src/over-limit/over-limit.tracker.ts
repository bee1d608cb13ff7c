import { Inject, Injectable, Logger, type OnModuleInit, type OnApplicationShutdown } from '@nestjs/common';
import { RateLimiter, type RateLimitDecision, type RateLimitPolicy } from '../limiter/index.js';
import { type DecisionOrigin } from '../limiter/decision.js';
import { type RateLimiterObserver } from '../limiter/rate-limiter.js';
import { MAX_OVER_LIMIT_ENTRIES, type OverLimitEntry, OverLimitBoard } from './over-limit-board.js';

/** How often this node posts what it saw to the board. */
export const OVER_LIMIT_POST_INTERVAL_MS = 1_000;

/**
 * Notes every caller a decision found at or over its limit (nothing left, or refused) and posts
 * them to the board once a second, off the request path: per decision it is one comparison, and
 * for those callers one map write. Bounded like the board.
 */
@Injectable()
export class OverLimitTracker implements RateLimiterObserver, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OverLimit');
  private pending = new Map<string, OverLimitEntry>();
  private timer: NodeJS.Timeout | undefined;
  private posting: Promise<void> | undefined;

  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(OverLimitBoard) private readonly board: OverLimitBoard,
  ) {}

  onModuleInit(): void {
    this.limiter.observe(this);
    this.timer = setInterval(() => void this.post(), OVER_LIMIT_POST_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.post();
    await this.board.close();
  }

  decided(
    policy: RateLimitPolicy,
    decision: RateLimitDecision,
    _durationMs: number,
    origin: DecisionOrigin,
    identity: string,
  ): void {
    // Decisions made without the store know nothing of the caller's usage.
    if (decision.remaining > 0 || origin.dryRun || decision.source === 'none') return;
    const key = `${policy.name}\n${identity}`;
    const until = Date.now() + Math.max(decision.resetMs, decision.retryAfterMs);
    // A caller refused again and again (from the denial cache, under attack) is already noted
    // until then: nothing to write per request.
    if ((this.pending.get(key)?.until ?? -1) >= until) return;
    this.pending.delete(key);
    if (this.pending.size >= MAX_OVER_LIMIT_ENTRIES) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(key, { rule: policy.rule ?? policy.name, policy: policy.name, identity, until });
  }

  /** Posts what was noted since the last post; one post at a time. Never rejects. */
  post(): Promise<void> {
    this.posting ??= this.postPending().finally(() => {
      this.posting = undefined;
    });
    return this.posting;
  }

  private async postPending(): Promise<void> {
    const entries = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.board.post(entries, Date.now());
    } catch (error) {
      // Dropped, not retried: the callers still over their limit are noted again at their next request.
      this.logger.warn(`could not post ${entries.length} callers at their limit: ${(error as Error).message}`);
    }
  }
}
