import type { Prisma } from './generated/client.js';

/** Id of the single `rules_version` row (the migration inserts it). */
export const RULES_VERSION_ID = 1;

/**
 * Increments the rule set's version inside the caller's transaction and returns the new value.
 * The row lock it takes also serializes concurrent rule writes, so versions are gap-free and
 * commit in order.
 *
 * @example
 * await prisma.$transaction(async (tx) => {
 *   const version = await bumpRulesVersion(tx);
 *   await tx.rule.update({ ... });
 *   await tx.ruleAudit.create({ data: { ..., rulesVersion: version } });
 *   await tx.outbox.create({ data: { rulesVersion: version, payload } });
 * });
 */
export async function bumpRulesVersion(tx: Prisma.TransactionClient): Promise<bigint> {
  const row = await tx.rulesVersion.update({
    where: { id: RULES_VERSION_ID },
    data: { version: { increment: 1 } },
  });
  return row.version;
}
