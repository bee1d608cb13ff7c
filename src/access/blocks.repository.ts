import { Inject, Injectable } from '@nestjs/common';
import { AdminAuditLog } from '../audit/index.js';
import { type Prisma, PrismaService } from '../db/index.js';
import type { BlockListQuery } from './dto/list-access.query.js';
import { SnapshotWrites, storageError } from '../rules/index.js';
import type { BlockType } from './access-lists.js';
import { type BlockList, type CreatedBlockResponse, type BlockResponse, toBlockResponse } from './access-responses.js';
import { accessValue } from './access-value.js';
import { BlockNotFoundException } from './access.exceptions.js';
import { apiKeyIdOf } from './api-key-reference.js';

/** A block to write: what the admin API validated, or what Floodgate decided itself. */
export interface NewBlock {
  readonly type: BlockType;
  readonly value: string;
  readonly durationMs: number;
  readonly reason: string;
  readonly publicReason?: string;
}

/**
 * The `blocks` table. Every write is a snapshot write (every node enforces it within the rules'
 * bound) with its audit row in the same transaction. Only blocks in force are listed or removed.
 */
@Injectable()
export class BlocksRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SnapshotWrites) private readonly writes: SnapshotWrites,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
  ) {}

  /**
   * `forced`: the admin sent `force: true` for a range wider than the configured prefix; the audit
   * entry says so (`after.forced`).
   */
  create(block: NewBlock, actor: string, { forced = false }: { forced?: boolean } = {}): Promise<CreatedBlockResponse> {
    const checked = accessValue(block.type, block.value);
    if ('reason' in checked) throw new Error(`a ${block.type} block of "${block.value}": value ${checked.reason}`);
    return this.writes.write(async (tx, rulesVersion) => {
      const value = block.type === 'apiKey' ? await apiKeyIdOf(tx, checked.value) : checked.value;
      const after = await this.insert(tx, { ...block, value }, actor, rulesVersion, forced);
      return {
        result: { ...after, rulesVersion: Number(rulesVersion) },
        change: { target: 'block', id: after.id, action: 'create' },
      };
    });
  }

  /**
   * Several address or client-id blocks in one snapshot write: one rules version, one reload of
   * every node, however many (Floodgate's own blocks, decided in bursts). Each has its audit row.
   */
  createMany(blocks: readonly NewBlock[], actor: string): Promise<BlockResponse[]> {
    const checked = blocks.map((block) => {
      const value = accessValue(block.type, block.value);
      if ('reason' in value || block.type === 'apiKey') {
        throw new Error(`a ${block.type} block of "${block.value}" cannot be written with others`);
      }
      return { ...block, value: value.value };
    });
    if (checked.length === 0) return Promise.resolve([]);
    return this.writes.write(async (tx, rulesVersion) => {
      const written: BlockResponse[] = [];
      for (const block of checked) written.push(await this.insert(tx, block, actor, rulesVersion));
      return { result: written, change: { target: 'block', id: written[0]!.id, action: 'create' } };
    });
  }

  /** Writes one checked block and its audit row inside a snapshot write's transaction. */
  private async insert(
    tx: Prisma.TransactionClient,
    block: NewBlock,
    actor: string,
    rulesVersion: bigint,
    forced = false,
  ): Promise<BlockResponse> {
    const row = await tx.block.create({
      data: {
        type: block.type,
        value: block.value,
        reason: block.reason,
        publicReason: block.publicReason ?? null,
        expiresAt: new Date(Date.now() + block.durationMs),
        createdBy: actor,
      },
    });
    const after = toBlockResponse(row);
    await this.audit.record(
      {
        actor,
        action: 'block.create',
        targetType: 'block',
        targetId: row.id,
        after: forced ? { ...after, forced: true } : after,
        rulesVersion,
      },
      tx,
    );
    return after;
  }

  /** Lifts a block in force (an expired one is already gone: 404). */
  remove(id: string, actor: string): Promise<number> {
    return this.writes.write(async (tx, rulesVersion) => {
      const row = await tx.block.findFirst({ where: { id, expiresAt: { gt: new Date() } } });
      if (row === null) throw new BlockNotFoundException(id);
      await tx.block.delete({ where: { id } });
      await this.audit.record(
        {
          actor,
          action: 'block.delete',
          targetType: 'block',
          targetId: id,
          before: toBlockResponse(row),
          rulesVersion,
        },
        tx,
      );
      return { result: Number(rulesVersion), change: { target: 'block', id, action: 'delete' } };
    });
  }

  /** Blocks in force, the newest first. */
  async list(query: BlockListQuery): Promise<BlockList> {
    const where: Prisma.BlockWhereInput = {
      expiresAt: { gt: new Date() },
      ...(query.type === undefined ? {} : { type: query.type }),
    };
    try {
      const [rows, total] = await this.prisma.$transaction([
        this.prisma.block.findMany({
          where,
          orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
          skip: query.offset,
          take: query.limit,
        }),
        this.prisma.block.count({ where }),
      ]);
      return { items: rows.map(toBlockResponse), total };
    } catch (error) {
      throw storageError(error);
    }
  }

  async findActive(id: string): Promise<BlockResponse> {
    let row;
    try {
      row = await this.prisma.block.findFirst({ where: { id, expiresAt: { gt: new Date() } } });
    } catch (error) {
      throw storageError(error);
    }
    if (row === null) throw new BlockNotFoundException(id);
    return toBlockResponse(row);
  }
}
