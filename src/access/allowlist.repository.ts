import { Inject, Injectable } from '@nestjs/common';
import { AdminAuditLog } from '../audit/index.js';
import { Prisma, PrismaService } from '../db/index.js';
import type { AllowListQuery } from './dto/list-access.query.js';
import { SnapshotWrites, storageError } from '../rules/index.js';
import type { AllowType } from './access-lists.js';
import {
  type AllowEntryList,
  type AllowEntryResponse,
  type CreatedAllowEntryResponse,
  toAllowEntryResponse,
} from './access-responses.js';
import { accessValue } from './access-value.js';
import { AllowEntryExistsException, AllowEntryNotFoundException } from './access.exceptions.js';
import { apiKeyIdOf } from './api-key-reference.js';

export interface NewAllowEntry {
  readonly type: AllowType;
  readonly value: string;
  readonly description?: string;
}

/** Postgres' unique_violation, as Prisma reports it. */
const UNIQUE_VIOLATION = 'P2002';

/** The `allowlist` table; writes are snapshot writes with their audit rows, as for blocks. */
@Injectable()
export class AllowlistRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SnapshotWrites) private readonly writes: SnapshotWrites,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
  ) {}

  create(entry: NewAllowEntry, actor: string): Promise<CreatedAllowEntryResponse> {
    const checked = accessValue(entry.type, entry.value);
    if ('reason' in checked) throw new Error(`an allow-list ${entry.type} "${entry.value}": value ${checked.reason}`);
    return this.writes.write(
      async (tx, rulesVersion) => {
        const value = entry.type === 'apiKey' ? await apiKeyIdOf(tx, checked.value) : checked.value;
        const row = await tx.allowlistEntry.create({
          data: { type: entry.type, value, description: entry.description ?? null, createdBy: actor },
        });
        const after = toAllowEntryResponse(row);
        await this.audit.record(
          { actor, action: 'allowlist.create', targetType: 'allowlist', targetId: row.id, after, rulesVersion },
          tx,
        );
        return {
          result: { ...after, rulesVersion: Number(rulesVersion) },
          change: { target: 'allowlist', id: row.id, action: 'create' },
        };
      },
      (error) =>
        error instanceof Prisma.PrismaClientKnownRequestError && error.code === UNIQUE_VIOLATION
          ? new AllowEntryExistsException(entry.type, checked.value)
          : error,
    );
  }

  remove(id: string, actor: string): Promise<number> {
    return this.writes.write(async (tx, rulesVersion) => {
      const row = await tx.allowlistEntry.findUnique({ where: { id } });
      if (row === null) throw new AllowEntryNotFoundException(id);
      await tx.allowlistEntry.delete({ where: { id } });
      await this.audit.record(
        {
          actor,
          action: 'allowlist.delete',
          targetType: 'allowlist',
          targetId: id,
          before: toAllowEntryResponse(row),
          rulesVersion,
        },
        tx,
      );
      return { result: Number(rulesVersion), change: { target: 'allowlist', id, action: 'delete' } };
    });
  }

  async find(id: string): Promise<AllowEntryResponse> {
    let row;
    try {
      row = await this.prisma.allowlistEntry.findUnique({ where: { id } });
    } catch (error) {
      throw storageError(error);
    }
    if (row === null) throw new AllowEntryNotFoundException(id);
    return toAllowEntryResponse(row);
  }

  /** Oldest first. */
  async list(query: AllowListQuery): Promise<AllowEntryList> {
    const where: Prisma.AllowlistEntryWhereInput = query.type === undefined ? {} : { type: query.type };
    try {
      const [rows, total] = await this.prisma.$transaction([
        this.prisma.allowlistEntry.findMany({
          where,
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          skip: query.offset,
          take: query.limit,
        }),
        this.prisma.allowlistEntry.count({ where }),
      ]);
      return { items: rows.map(toAllowEntryResponse), total };
    } catch (error) {
      throw storageError(error);
    }
  }
}
