import { Inject, Injectable } from '@nestjs/common';
import { AdminAuditLog } from '../audit/index.js';
import { type ApiKey, type Prisma, PrismaService } from '../db/index.js';
import type { ApiKeyListQuery } from './dto/list-api-keys.query.js';
import { SnapshotWrites, storageError } from '../rules/index.js';
import {
  type ApiKeyList,
  type ApiKeyResponse,
  type ApiKeyWriteResponse,
  type CreatedApiKeyResponse,
  toApiKeyResponse,
} from './api-key.js';
import { apiKeyHash, apiKeyPrefix, newApiKeySecret } from './api-key-secret.js';
import { ApiKeyNotFoundException, ApiKeyRevokedException } from './api-keys.exceptions.js';
import type { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import type { UpdateApiKeyDto } from './dto/update-api-key.dto.js';

export type { ApiKeyListQuery };

type Tx = Prisma.TransactionClient;

/**
 * The `api_keys` table. Every write is a snapshot write (rules version, outbox: every node's key
 * directory follows within the rules' bound) with its audit row in the same transaction.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SnapshotWrites) private readonly writes: SnapshotWrites,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
  ) {}

  /** Creates a key; its secret is in the answer and nowhere else. */
  create(body: CreateApiKeyDto, actor: string): Promise<CreatedApiKeyResponse> {
    const secret = newApiKeySecret();
    return this.writes.write(async (tx, rulesVersion) => {
      const row = await tx.apiKey.create({
        data: {
          secretHash: apiKeyHash(secret),
          prefix: apiKeyPrefix(secret),
          tier: body.tier,
          owner: body.owner ?? null,
          description: body.description ?? null,
          enabled: body.enabled ?? true,
          expiresAt: body.expiresAt == null ? null : new Date(body.expiresAt),
        },
      });
      const after = toApiKeyResponse(row);
      await this.audit.record(
        { actor, action: 'api_key.create', targetType: 'api_key', targetId: row.id, after, rulesVersion },
        tx,
      );
      return {
        result: { ...after, key: secret, rulesVersion: Number(rulesVersion) },
        change: { target: 'api_key', id: row.id, action: 'create' },
      };
    });
  }

  update(id: string, patch: UpdateApiKeyDto, actor: string): Promise<ApiKeyWriteResponse> {
    return this.change(id, actor, 'update', async (tx, current) => {
      if (current.revokedAt !== null) throw new ApiKeyRevokedException(id);
      const data: Prisma.ApiKeyUpdateInput = { version: { increment: 1 } };
      if (patch.tier !== undefined) data.tier = patch.tier;
      if (patch.owner !== undefined) data.owner = patch.owner;
      if (patch.description !== undefined) data.description = patch.description;
      if (patch.enabled !== undefined) data.enabled = patch.enabled;
      if (patch.expiresAt !== undefined) data.expiresAt = patch.expiresAt === null ? null : new Date(patch.expiresAt);
      return tx.apiKey.update({ where: { id }, data });
    });
  }

  /** Revokes a key for good: every node refuses it (401) from the next snapshot on. Idempotent. */
  revoke(id: string, actor: string): Promise<ApiKeyWriteResponse> {
    return this.change(id, actor, 'revoke', async (tx, current) =>
      current.revokedAt !== null
        ? current
        : tx.apiKey.update({ where: { id }, data: { revokedAt: new Date(), version: { increment: 1 } } }),
    );
  }

  async findById(id: string): Promise<ApiKeyResponse> {
    const row = await this.reading(() => this.prisma.apiKey.findUnique({ where: { id } }));
    if (row === null) throw new ApiKeyNotFoundException(id);
    return toApiKeyResponse(row);
  }

  /** Oldest first. */
  async list(query: ApiKeyListQuery): Promise<ApiKeyList> {
    const where: Prisma.ApiKeyWhereInput = {
      ...(query.tier === undefined ? {} : { tier: query.tier }),
      ...(query.enabled === undefined ? {} : { enabled: query.enabled }),
      ...(query.revoked === undefined ? {} : { revokedAt: query.revoked ? { not: null } : null }),
    };
    const [rows, total] = await this.reading(() =>
      this.prisma.$transaction([
        this.prisma.apiKey.findMany({
          where,
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          skip: query.offset,
          take: query.limit,
        }),
        this.prisma.apiKey.count({ where }),
      ]),
    );
    const now = Date.now();
    return { items: rows.map((row) => toApiKeyResponse(row, now)), total };
  }

  /** Reads the key under the snapshot write's lock, lets `apply` change it, records the audit row. */
  private change(
    id: string,
    actor: string,
    verb: string,
    apply: (tx: Tx, current: ApiKey) => Promise<ApiKey>,
  ): Promise<ApiKeyWriteResponse> {
    return this.writes.write(async (tx, rulesVersion) => {
      const current = await tx.apiKey.findUnique({ where: { id } });
      if (current === null) throw new ApiKeyNotFoundException(id);
      const row = await apply(tx, current);
      const after = toApiKeyResponse(row);
      await this.audit.record(
        {
          actor,
          action: `api_key.${verb}`,
          targetType: 'api_key',
          targetId: id,
          before: toApiKeyResponse(current),
          after,
          rulesVersion,
        },
        tx,
      );
      return {
        result: { ...after, rulesVersion: Number(rulesVersion) },
        change: { target: 'api_key', id, action: verb },
      };
    });
  }

  private async reading<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw storageError(error);
    }
  }
}
