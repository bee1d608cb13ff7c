import type { Prisma, PrismaService } from '../db/index.js';

/** Told of a stored row a section cannot enforce (its id and why): the row is left out, the rest kept. */
export type InvalidRowHandler = (id: string, reason: string) => void;

/**
 * A part of what the nodes enforce besides the rules (API keys, blocks, the allow list, the system
 * state). Sections are read in the same repeatable-read transaction as the rules and put in force
 * with them, so a node never enforces rules of one version with keys or blocks of another. A row
 * that cannot be enforced is left out (reported through `compile`'s `invalid`), so one bad row
 * never holds back the others; a section that fails to compile as a whole fails the whole load,
 * and the last good snapshot stays. The rows
 * also reach the other nodes through Redis (`RulesBus.storeSnapshot`), serialized as
 * `structuredClone` would: `read()` must return plain rows (dates and big integers are kept).
 *
 * Register a section with `RulesRefresher.addSection()` from a provider's constructor: the first
 * load runs when the rules module starts, before other modules' init hooks.
 *
 * @example
 * constructor(@Inject(RulesRefresher) refresher: RulesRefresher) {
 *   refresher.addSection({
 *     name: 'blocks',
 *     read: (prisma) => prisma.block.findMany(),
 *     compile: (rows, invalid) => new BlockList(rows, invalid),
 *     swap: (list) => (this.current = list),
 *   });
 * }
 */
export interface SnapshotSection<Rows = unknown, Compiled = unknown> {
  /** For logs: which section failed. */
  readonly name: string;
  /** The section's rows, as one query of the load's transaction. */
  read(prisma: PrismaService): Prisma.PrismaPromise<Rows>;
  /**
   * Checks and compiles the rows, leaving out each row it cannot enforce and telling `invalid` of
   * it; throws when the rows cannot be enforced at all.
   */
  compile(rows: Rows, invalid: InvalidRowHandler): Compiled;
  /** Puts the compiled section in force, together with the rules of `version`. */
  swap(compiled: Compiled, version: number): void;
}
