import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaService } from '../db/index.js';
import type { RulesBus } from './rules-bus.js';
import { RULES_BUS, RULES_OPTIONS } from './rules.constants.js';
import { DEFAULT_OUTBOX_INTERVAL_MS, type RulesModuleOptions } from './rules.options.js';
import { SnapshotWrites } from './snapshot-writes.js';
import { CoalescedRun } from './coalesced-run.js';

/** Rows announced per pass: a long outage leaves at most this many round trips per pass. */
const BATCH_SIZE = 100;

/**
 * Announces committed rule writes: after every local write, once this node has loaded it (and so
 * stored it in Redis, where the other nodes then take it from), and every `outboxIntervalMs` for rows a
 * write could not announce (Redis was down, or the writer stopped first). Rows go out oldest first,
 * each marked `published_at` once Redis took its PUBLISH; a pass stops at the first failure so the
 * rest wait for the next pass. Two nodes may announce one row twice: a version a node already
 * enforces is ignored, so that costs nothing. Without Redis nothing is announced.
 */
@Injectable()
export class OutboxPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OutboxPublisher.name);
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly runs = new CoalescedRun<number>(() => this.publishPending());
  private stopped = false;

  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(RULES_BUS) private readonly bus: RulesBus | null,
    @Inject(RULES_OPTIONS) options: RulesModuleOptions,
    @Inject(SnapshotWrites) writes: SnapshotWrites,
  ) {
    this.intervalMs = options.outboxIntervalMs ?? DEFAULT_OUTBOX_INTERVAL_MS;
    // After this node stored the snapshot: an announcement that came before would send every node
    // to Postgres.
    if (bus !== null) writes.onEnforced(() => void this.flush());
  }

  onModuleInit(): void {
    if (this.bus === null) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.runs.settled();
  }

  /**
   * Announces every row not yet announced. Calls made while a pass runs share one pass that starts
   * after it, so a row committed before the call is always seen. Resolves how many rows were
   * announced; never rejects.
   */
  flush(): Promise<number> {
    return this.runs.run();
  }

  private async publishPending(): Promise<number> {
    if (this.bus === null || this.stopped) return 0;
    let published = 0;
    try {
      const rows = await this.prisma.outbox.findMany({
        where: { publishedAt: null },
        orderBy: { id: 'asc' },
        take: BATCH_SIZE,
        select: { id: true, rulesVersion: true },
      });
      for (const row of rows) {
        await this.bus.publish(Number(row.rulesVersion));
        await this.prisma.outbox.updateMany({
          where: { id: row.id, publishedAt: null },
          data: { publishedAt: new Date() },
        });
        published++;
      }
    } catch (error) {
      // The row stays unpublished: the next pass announces it.
      this.logger.warn({ err: error, published }, 'outbox publish failed; retrying on the next pass');
    }
    return published;
  }
}
