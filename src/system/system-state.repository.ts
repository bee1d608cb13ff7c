import { Inject, Injectable } from '@nestjs/common';
import { AdminAuditLog } from '../audit/index.js';
import { PrismaService } from '../db/index.js';
import { SnapshotWrites, storageError } from '../rules/index.js';
import type { SystemStateWriteResponse } from './dto/system-state.response.js';
import { type LoadState, type SystemStateResponse, toSystemStateResponse } from './system-state.js';

/** The single `system_state` row. A change is a snapshot write: every node switches within the rules' bound. */
@Injectable()
export class SystemStateRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SnapshotWrites) private readonly writes: SnapshotWrites,
    @Inject(AdminAuditLog) private readonly audit: AdminAuditLog,
  ) {}

  async get(): Promise<SystemStateResponse> {
    try {
      return toSystemStateResponse(await this.prisma.systemState.findUniqueOrThrow({ where: { id: 1 } }));
    } catch (error) {
      throw storageError(error);
    }
  }

  /**
   * Sets the state. With `onlyIf`, only when the state now is that one (and, for `auto`, was set by
   * `auto`): the load signal never overrides an admin. Resolves undefined when it did nothing.
   */
  set(
    state: LoadState,
    actor: string,
    reason?: string,
    onlyIf?: { state: LoadState; changedBy?: string },
  ): Promise<SystemStateWriteResponse | undefined> {
    return this.writes.write(async (tx, rulesVersion) => {
      const current = await tx.systemState.findUniqueOrThrow({ where: { id: 1 } });
      const precondition =
        onlyIf === undefined ||
        (current.state === onlyIf.state && (onlyIf.changedBy === undefined || current.changedBy === onlyIf.changedBy));
      if (!precondition) return { result: undefined, change: null };
      const row = await tx.systemState.update({
        where: { id: 1 },
        data: { state, reason: reason ?? null, changedBy: actor, changedAt: new Date() },
      });
      const before = toSystemStateResponse(current);
      const after = toSystemStateResponse(row);
      await this.audit.record(
        {
          actor,
          action: 'system_state.update',
          targetType: 'system_state',
          targetId: '1',
          before,
          after,
          rulesVersion,
        },
        tx,
      );
      return {
        result: { ...after, rulesVersion: Number(rulesVersion) },
        change: { target: 'system_state', id: '1', action: state },
      };
    });
  }
}
