import { ResourcePattern } from '../rules/resource-pattern.js';
import type { StoredRule } from '../rules/rule.js';

/** The selectors a rule can name, strongest first (the ladder's tie-break among equal counts). */
const SELECTORS = ['clientId', 'tier', 'resource'] as const;

export type Selector = (typeof SELECTORS)[number];

/** What makes one rule more specific than another, in the order the ladder compares it. */
export interface Specificity {
  /** The selectors the rule names, strongest first. */
  readonly selectors: readonly Selector[];
  /** `exact` or `glob` when the rule names a resource, else null. */
  readonly resourceMatch: 'exact' | 'glob' | null;
  /** Characters of `match.resource` other than `*` (0 without a resource). */
  readonly literalLength: number;
  readonly priority: number;
  readonly createdAt: Date;
}

/** The specificity of `rule`, as `RulesSnapshot` ranks it. */
export function specificityOf(rule: StoredRule): Specificity {
  const selectors = SELECTORS.filter((selector) => rule.match[selector] !== undefined);
  const pattern = rule.match.resource === undefined ? undefined : ResourcePattern.compile(rule.match.resource);
  return {
    selectors,
    resourceMatch: pattern === undefined ? null : pattern.exact ? 'exact' : 'glob',
    literalLength: pattern?.literalLength ?? 0,
    priority: rule.priority ?? 0,
    createdAt: rule.createdAt,
  };
}

/** One line for people: e.g. `clientId+resource; exact resource; priority 0; created 2025-01-01T00:00:00.000Z`. */
export function describeSpecificity(specificity: Specificity): string {
  const parts = [specificity.selectors.join('+')];
  if (specificity.resourceMatch === 'exact') parts.push('exact resource');
  if (specificity.resourceMatch === 'glob') {
    parts.push(`resource glob with ${specificity.literalLength} literal characters`);
  }
  parts.push(`priority ${specificity.priority}`, `created ${specificity.createdAt.toISOString()}`);
  return parts.join('; ');
}

/**
 * Why `winner` beats `runnerUp` (the next rule in precedence order): the first step of the ladder
 * where they differ. Without a runner-up, the winner is the only rule that applies.
 */
export function winReason(winner: StoredRule, runnerUp: StoredRule | undefined): string {
  if (runnerUp === undefined) return 'the only rule that matches';
  const a = specificityOf(winner);
  const b = specificityOf(runnerUp);
  const other = `"${runnerUp.name}"`;
  if (a.selectors.length !== b.selectors.length) {
    return `names more selectors (${a.selectors.join('+')}) than ${other} (${b.selectors.join('+')})`;
  }
  const strongest = SELECTORS.find((s) => a.selectors.includes(s) !== b.selectors.includes(s));
  if (strongest !== undefined) {
    return (
      `as many selectors as ${other}, but names ${strongest} (clientId over tier over resource): ` +
      `${a.selectors.join('+')} over ${b.selectors.join('+')}`
    );
  }
  if (a.resourceMatch !== b.resourceMatch) return `an exact resource over the glob of ${other}`;
  if (a.literalLength !== b.literalLength) {
    return `a resource glob with more literal characters (${a.literalLength}) than ${other} (${b.literalLength})`;
  }
  if (a.priority !== b.priority) {
    return `equally specific as ${other}; higher priority (${a.priority} over ${b.priority})`;
  }
  if (a.createdAt.getTime() !== b.createdAt.getTime()) {
    return `equally specific as ${other} with the same priority; older (created ${a.createdAt.toISOString()})`;
  }
  return `equally specific as ${other}, same priority and age; the lower id`;
}
