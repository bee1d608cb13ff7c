import { Inject, Injectable } from '@nestjs/common';
import { type Prisma, PrismaService } from '../db/index.js';
import { storageError } from '../rules/index.js';
import { AUDIT_TARGETS, type AuditTarget } from './audit-targets.js';
import type { AuditList, AuditRecord } from './audit-record.js';
import type { AuditQuery } from './dto/audit.query.js';

export { AUDIT_TARGETS, type AuditQuery, type AuditRecord, type AuditTarget };

/** One admin write, as it is recorded. */
export interface AuditEntry {
  /** The admin actor (`admin`), or `system` / `auto` for writes Floodgate made itself. */
  readonly actor: string;
  /** `<target>.<verb>`, e.g. `api_key.create`, `block.delete`, `counters.reset`. */
  readonly action: string;
  readonly targetType: AuditTarget;
  readonly targetId?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** The rules version the write produced; absent for writes that change no snapshot. */
  readonly rulesVersion?: bigint;
}

/**
 * The admin audit log: every API key, block, allow-list, system-state and counter write, with who
 * made it and the target before and after. Writes record inside their own transaction, so a write
 * and its audit row commit together or not at all.
 */
@Injectable()
export class AdminAuditLog {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /**
   * Records `entry` in the caller's transaction (or on its own, for writes that have none). An
   * unreachable database rejects with the 503 of any admin call (inside a transaction the
   * transaction's own handling says so too).
   */
  async record(entry: AuditEntry, tx: Prisma.TransactionClient = this.prisma): Promise<void> {
    try {
      await this.create(entry, tx);
    } catch (error) {
      throw storageError(error);
    }
  }

  private async create(entry: AuditEntry, tx: Prisma.TransactionClient): Promise<void> {
    await tx.adminAudit.create({
      data: {
        actor: entry.actor,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId ?? null,
        ...(entry.before === undefined ? {} : { before: entry.before as Prisma.InputJsonValue }),
        ...(entry.after === undefined ? {} : { after: entry.after as Prisma.InputJsonValue }),
        rulesVersion: entry.rulesVersion ?? null,
      },
    });
  }

  /** Newest first. */
  async list(query: AuditQuery): Promise<AuditList> {
    const where: Prisma.AdminAuditWhereInput = {
      ...(query.targetType === undefined ? {} : { targetType: query.targetType }),
      ...(query.targetId === undefined ? {} : { targetId: query.targetId }),
    };
    try {
      const [rows, total] = await this.prisma.$transaction([
        this.prisma.adminAudit.findMany({ where, orderBy: { id: 'desc' }, skip: query.offset, take: query.limit }),
        this.prisma.adminAudit.count({ where }),
      ]);
      const items = rows.map((row) => ({
        id: Number(row.id),
        actor: row.actor,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        before: row.before,
        after: row.after,
        rulesVersion: row.rulesVersion === null ? null : Number(row.rulesVersion),
        at: row.at.toISOString(),
      }));
      return { items, total };
    } catch (error) {
      throw storageError(error);
    }
  }
}
