import { HttpException, Inject, Injectable } from '@nestjs/common';
import { bumpRulesVersion, type Prisma, PrismaService } from '../db/index.js';
import { RulesStorageUnavailableException } from './rules.exceptions.js';
import { isStorageUnavailable } from './storage-unavailable.js';

/** What an announced change was about, for the outbox row (nodes only read the version). */
export interface SnapshotChange {
  /** rule | api_key | block | allowlist | system_state */
  readonly target: string;
  readonly id: string;
  readonly action: string;
}

const TRANSACTION_OPTIONS = { maxWait: 5_000, timeout: 10_000 };

/** Rolls back a write that found nothing to change (the version bump included), carrying its result out. */
class NothingChanged extends Error {
  constructor(readonly result: unknown) {
    super('nothing changed');
  }
}

/**
 * Every write that changes what the nodes enforce (rules, API keys, blocks, the allow list, the
 * system state) runs through `write()`: one transaction bumps the cluster-wide rules version first
 * (its row lock serializes these writes, so versions commit in order), does the write, and queues
 * the announcement as an outbox row; a failure leaves nothing behind. After the commit, two
 * phases: the commit listeners (this node loads the new version and stores it in Redis, so the
 * write is answered once this node enforces it), then the enforced listeners (the outbox publisher
 * announces it, so no node hears of a version before its snapshot is in Redis). So every kind of
 * change reaches every node the same way, within the same bound, as rule changes do.
 *
 * Errors: HTTP exceptions pass through; an unreachable Postgres becomes a 503.
 */
@Injectable()
export class SnapshotWrites {
  private readonly commitListeners: ((rulesVersion: number) => unknown)[] = [];
  private readonly enforcedListeners: ((rulesVersion: number) => void)[] = [];

  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  /**
   * Calls `listener` with the new rules version after every write that committed (its outbox row is
   * then there to announce); the write resolves once every listener did. A listener must not reject.
   */
  onCommit(listener: (rulesVersion: number) => unknown): void {
    this.commitListeners.push(listener);
  }

  /**
   * Calls `listener` with the new rules version once every commit listener of a write is done, as
   * the write is answered (not awaited by it). A listener must not throw.
   */
  onEnforced(listener: (rulesVersion: number) => void): void {
    this.enforcedListeners.push(listener);
  }

  /**
   * Runs `work` in one transaction after bumping the rules version (given to `work`), then queues
   * `change` (what `work` returns it from) for announcement. A `change` of null means the write
   * found nothing to do: the transaction, version bump included, is rolled back and `result` still
   * returned. `translate` maps errors of this kind of write (a unique violation, say) before the
   * generic handling.
   */
  async write<T>(
    work: (tx: Prisma.TransactionClient, rulesVersion: bigint) => Promise<{ result: T; change: SnapshotChange | null }>,
    translate: (error: unknown) => unknown = (error) => error,
  ): Promise<T> {
    let committed: { result: T; rulesVersion: number };
    try {
      committed = await this.prisma.$transaction(async (tx) => {
        const rulesVersion = await bumpRulesVersion(tx);
        const done = await work(tx, rulesVersion);
        if (done.change === null) throw new NothingChanged(done.result);
        await tx.outbox.create({
          data: {
            rulesVersion,
            payload: { type: `${done.change.target}.changed`, rulesVersion: Number(rulesVersion), ...done.change },
          },
        });
        return { result: done.result, rulesVersion: Number(rulesVersion) };
      }, TRANSACTION_OPTIONS);
    } catch (error) {
      if (error instanceof NothingChanged) return error.result as T;
      throw storageError(translate(error));
    }
    for (const listener of this.commitListeners) await listener(committed.rulesVersion);
    for (const listener of this.enforcedListeners) listener(committed.rulesVersion);
    return committed.result;
  }
}

/** HTTP exceptions unchanged, an unreachable database as 503, anything else as it is (a 500). */
export function storageError(error: unknown): unknown {
  if (error instanceof HttpException) return error;
  return isStorageUnavailable(error) ? new RulesStorageUnavailableException() : error;
}
