import { ConflictException, Inject, Injectable } from '@nestjs/common';
import type { RuleListQuery } from './dto/list-rules.query.js';
import { Prisma, PrismaService, type Rule } from '../db/index.js';
import { errorBody } from '../http/error-body.js';
import type { RuleBody, RulePatch, StoredRule } from './rule.js';
import { validateRuleBody } from './validate-rule-body.js';
import {
  type RuleAction,
  type RuleHistoryEntry,
  type RuleList,
  type RuleResponse,
  type RuleWriteResponse,
  toRuleResponse,
  toStoredRule,
} from './rule-response.js';
import {
  InvalidRuleInputException,
  RuleNameTakenException,
  RuleNotFoundException,
  StaleRuleVersionException,
} from './rules.exceptions.js';
import type { SnapshotSection } from './snapshot-section.js';
import { type SnapshotChange, SnapshotWrites, storageError } from './snapshot-writes.js';

export type { RuleListQuery };

export type { RuleList };

/** Every rule at one rules version, read in one snapshot of the database. */
export interface RulesLoad {
  readonly rules: readonly StoredRule[];
  readonly version: number;
}

/** A load with the rows of the snapshot's other sections, by section name. */
export interface SnapshotLoad extends RulesLoad {
  readonly sections: Readonly<Record<string, unknown>>;
  /** The database it was read from (`rules_version.database_id`). */
  readonly databaseId: string;
}

type Tx = Prisma.TransactionClient;

/** Read-modify-write attempts of one write before giving up (only a writer outside this class can beat us). */
const MAX_WRITE_ATTEMPTS = 3;
/** Postgres' unique_violation, as Prisma reports it. */
const UNIQUE_VIOLATION = 'P2002';

/** The row changed between our read and our conditional write: read again and redo. */
class LostRaceError extends Error {}

/**
 * The rules tables. Every write runs through `SnapshotWrites`: one transaction writes the rule, its
 * audit row, the rules-version bump and an outbox row, so a failure leaves nothing behind. The
 * version bump comes first: its row lock serializes rule writes, so the read that follows sees
 * every earlier write and versions commit in order; the rule update is still conditional on the
 * version read (`WHERE id AND version`), so a writer that skipped the lock cannot be overwritten
 * silently.
 *
 * Errors are HTTP exceptions: 404 unknown id, 409 duplicate name, 412 stale `If-Match`,
 * 503 when Postgres cannot be reached.
 */
@Injectable()
export class RulesRepository {
  constructor(
    @Inject(PrismaService) private readonly prisma: PrismaService,
    @Inject(SnapshotWrites) private readonly writes: SnapshotWrites,
  ) {}

  async create(body: RuleBody, actor: string): Promise<RuleWriteResponse> {
    return this.write(body.name, async (tx, rulesVersion) => {
      const row = await tx.rule.create({ data: dataOf(body) });
      return this.record(tx, { row, action: 'create', actor, rulesVersion, before: undefined });
    });
  }

  /** Applies `patch`; with `expected` (the caller's `If-Match`), only to that version of the rule. */
  async update(id: string, patch: RulePatch, actor: string, expected?: number): Promise<RuleWriteResponse> {
    return this.retrying(() =>
      this.write(patch.name, async (tx, rulesVersion) => {
        const current = await this.current(tx, id, expected);
        // Fields check each other (concurrency takes one limit and no penalty, a penalty's maximum,
        // state limits' windows): the rule the patch makes is checked whole, or no snapshot could load it.
        const merged = validateRuleBody(mergedBody(current, patch), 'create');
        if (merged.errors !== undefined) throw new InvalidRuleInputException(merged.errors);
        const row = await this.replace(tx, current, dataOf(patch));
        return this.record(tx, { row, action: 'update', actor, rulesVersion, before: current });
      }),
    );
  }

  async delete(id: string, actor: string, expected?: number): Promise<number> {
    return this.retrying(() =>
      this.write(undefined, async (tx, rulesVersion) => {
        const current = await this.current(tx, id, expected);
        const { count } = await tx.rule.deleteMany({ where: { id, version: current.version } });
        if (count === 0) throw new LostRaceError();
        const before = toRuleResponse(current);
        await tx.ruleAudit.create({
          data: { ruleId: id, actor, action: 'delete', before: json(before), rulesVersion },
        });
        return { result: Number(rulesVersion), change: ruleChange(id, 'delete') };
      }),
    );
  }

  /**
   * Writes the body the rule had at `version` (from its audit log) as a new version; a deleted rule
   * comes back with its id. The body is checked as a new rule would be: an audit row keeps what was
   * accepted then, which a stricter check may refuse now, and no snapshot could load it.
   */
  async rollback(id: string, version: number, actor: string, expected?: number): Promise<RuleWriteResponse> {
    const target = (await this.history(id)).find((entry) => entry.after?.version === version)?.after ?? undefined;
    if (target === undefined) {
      throw new InvalidRuleInputException([{ field: 'version', reason: `is not a version of rule ${id}` }]);
    }
    const checked = validateRuleBody(bodyOf(target), 'create');
    if (checked.errors !== undefined) {
      const why = checked.errors.map((error) => `${error.field} ${error.reason}`).join('; ');
      throw new InvalidRuleInputException([{ field: 'version', reason: `holds a rule that is not valid: ${why}` }]);
    }
    const body = checked.value;
    return this.retrying(() =>
      this.write(body.name, async (tx, rulesVersion) => {
        const existing = await tx.rule.findUnique({ where: { id } });
        const data = { ...dataOf(body), description: body.description ?? null };
        let row: Rule;
        if (existing === null) {
          if (expected !== undefined) throw new RuleNotFoundException(id);
          const last = await tx.ruleAudit.findFirst({ where: { ruleId: id }, orderBy: { id: 'desc' } });
          const lastVersion = (last?.before as RuleResponse | null)?.version ?? version;
          row = await tx.rule.create({
            data: { ...data, id, version: lastVersion + 1, createdAt: new Date(target.createdAt) },
          });
        } else {
          row = await this.replace(tx, await this.current(tx, id, expected), data);
        }
        return this.record(tx, {
          row,
          action: 'rollback',
          actor,
          rulesVersion,
          before: existing ?? undefined,
        });
      }),
    );
  }

  async findById(id: string): Promise<RuleResponse> {
    const row = await this.reading(() => this.prisma.rule.findUnique({ where: { id } }));
    if (row === null) throw new RuleNotFoundException(id);
    return toRuleResponse(row);
  }

  /** Oldest first, by creation. */
  async list(query: RuleListQuery): Promise<RuleList> {
    const where: Prisma.RuleWhereInput = {
      ...(query.resource === undefined ? {} : { match: { path: ['resource'], equals: query.resource } }),
      ...(query.enabled === undefined ? {} : { enabled: query.enabled }),
      ...(query.algorithm === undefined ? {} : { algorithm: query.algorithm }),
    };
    const [rows, total] = await this.reading(() =>
      this.prisma.$transaction([
        this.prisma.rule.findMany({
          where,
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          skip: query.offset,
          take: query.limit,
        }),
        this.prisma.rule.count({ where }),
      ]),
    );
    return { items: rows.map(toRuleResponse), total };
  }

  /** The rule's audit rows, oldest first; kept after the rule is deleted. */
  async history(id: string): Promise<RuleHistoryEntry[]> {
    const rows = await this.reading(() =>
      this.prisma.ruleAudit.findMany({ where: { ruleId: id }, orderBy: { id: 'asc' } }),
    );
    if (rows.length === 0) throw new RuleNotFoundException(id);
    return rows.map((row) => {
      const before = row.before as RuleResponse | null;
      const after = row.after as RuleResponse | null;
      return {
        version: (after ?? before)!.version,
        action: row.action as RuleAction,
        actor: row.actor,
        at: row.at.toISOString(),
        rulesVersion: Number(row.rulesVersion),
        before,
        after,
      };
    });
  }

  /** The cluster-wide rules version. */
  async rulesVersion(): Promise<number> {
    const row = await this.reading(() => this.prisma.rulesVersion.findFirstOrThrow());
    return Number(row.version);
  }

  /**
   * Every rule, the version they are and the rows of `sections`, consistent with each other (one
   * repeatable-read snapshot).
   */
  async loadAll(sections: readonly SnapshotSection[] = []): Promise<SnapshotLoad> {
    const [version, rows, ...sectionRows] = await this.reading(() =>
      this.prisma.$transaction(
        [
          this.prisma.rulesVersion.findFirstOrThrow(),
          this.prisma.rule.findMany(),
          ...sections.map((section) => section.read(this.prisma)),
        ],
        { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
      ),
    );
    return {
      rules: rows.map(toStoredRule),
      version: Number(version.version),
      databaseId: version.databaseId,
      sections: Object.fromEntries(sections.map((section, i) => [section.name, sectionRows[i]])),
    };
  }

  /** The rule as it is now, checked against the caller's `If-Match`. */
  private async current(tx: Tx, id: string, expected: number | undefined): Promise<Rule> {
    const row = await tx.rule.findUnique({ where: { id } });
    if (row === null) throw new RuleNotFoundException(id);
    if (expected !== undefined && row.version !== expected) throw new StaleRuleVersionException(expected, row.version);
    return row;
  }

  /** Writes `data` over `current` if nobody changed it since it was read; the rule's version grows by one. */
  private async replace(tx: Tx, current: Rule, data: Prisma.RuleUpdateManyMutationInput): Promise<Rule> {
    const { count } = await tx.rule.updateMany({
      where: { id: current.id, version: current.version },
      data: { ...data, version: { increment: 1 } },
    });
    if (count === 0) throw new LostRaceError();
    return tx.rule.findUniqueOrThrow({ where: { id: current.id } });
  }

  private async record(
    tx: Tx,
    write: { row: Rule; action: RuleAction; actor: string; rulesVersion: bigint; before: Rule | undefined },
  ): Promise<{ result: RuleWriteResponse; change: SnapshotChange }> {
    const after = toRuleResponse(write.row);
    await tx.ruleAudit.create({
      data: {
        ruleId: write.row.id,
        actor: write.actor,
        action: write.action,
        ...(write.before === undefined ? {} : { before: json(toRuleResponse(write.before)) }),
        after: json(after),
        rulesVersion: write.rulesVersion,
      },
    });
    return {
      result: { ...after, rulesVersion: Number(write.rulesVersion) },
      change: ruleChange(write.row.id, write.action),
    };
  }

  /** Runs `work` as one snapshot write; `name` is the rule name a unique violation is about. */
  private write<T>(
    name: string | undefined,
    work: (tx: Tx, rulesVersion: bigint) => Promise<{ result: T; change: SnapshotChange }>,
  ): Promise<T> {
    return this.writes.write(work, (error) =>
      isUniqueViolation(error) ? new RuleNameTakenException(name ?? '') : error,
    );
  }

  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof LostRaceError)) throw error;
        if (i >= MAX_WRITE_ATTEMPTS) {
          throw new ConflictException(errorBody(409, 'the rule kept changing while it was written; try again'));
        }
      }
    }
  }

  private async reading<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw storageError(error);
    }
  }
}

/** The body the rule would have with `patch` applied: `null` removes a field, as in a merge patch. */
function mergedBody(current: Rule, patch: RulePatch): Record<string, unknown> {
  return bodyOf({ ...toRuleResponse(current), ...patch });
}

/**
 * A rule's answer as the body that would create it: what the store adds taken out, `null` fields
 * left out, and the answer's `blockDurationMs` (a copy of `penalty`'s, which a patch of `penalty`
 * must be free to change or remove).
 */
function bodyOf(
  rule: Pick<RuleResponse, 'id' | 'version' | 'createdAt' | 'updatedAt'> & { blockDurationMs?: unknown },
): Record<string, unknown> {
  const {
    id: _id,
    version: _version,
    createdAt: _created,
    updatedAt: _updated,
    blockDurationMs: _shown,
    ...fields
  } = rule;
  const body: Record<string, unknown> = { ...fields };
  for (const [field, value] of Object.entries(body)) if (value === null) delete body[field];
  return body;
}

/** Prisma's column data for a full body or the fields of a patch. */
function dataOf(body: RuleBody): Prisma.RuleCreateInput;
function dataOf(body: RulePatch): Prisma.RuleUpdateManyMutationInput;
function dataOf(body: RulePatch): Prisma.RuleUpdateManyMutationInput {
  const data: Prisma.RuleUpdateManyMutationInput = {};
  if (body.name !== undefined) data.name = body.name;
  if (body.description !== undefined) data.description = body.description;
  if (body.match !== undefined) data.match = json(body.match);
  if (body.algorithm !== undefined) data.algorithm = body.algorithm;
  if (body.limits !== undefined) data.limits = json(body.limits);
  if (body.enabled !== undefined) data.enabled = body.enabled;
  if (body.shadow !== undefined) data.shadow = body.shadow;
  if (body.priority !== undefined) data.priority = body.priority;
  if (body.perResource !== undefined) data.perResource = body.perResource;
  if (body.penalty !== undefined) data.penalty = nullableJson(body.penalty);
  if (body.stateLimits !== undefined) data.stateLimits = nullableJson(body.stateLimits);
  if (body.countOnly !== undefined) data.countOnly = body.countOnly;
  return data;
}

function json(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}

/** A JSON column's value, `null` clearing it (Prisma needs its DbNull for that). */
function nullableJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === null ? Prisma.DbNull : json(value);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === UNIQUE_VIOLATION;
}

/** The announcement of a rule write (the outbox payload also names the rule and what happened). */
function ruleChange(id: string, action: RuleAction): SnapshotChange {
  return { target: 'rule', id, action };
}
