import type { RuleMatch, StoredRule } from '../../../src/rules/rule.js';

let created = Date.UTC(2025, 0, 1);

/**
 * A stored rule as the repository returns it, 10 per second unless `extra` says otherwise; each one
 * made a second after the one before (the snapshot breaks ties by age), unless `createdAt` says
 * otherwise. Jest gives each test file its own copy of this module, so of the clock too.
 */
export function storedRule(name: string, match: RuleMatch, extra: Partial<StoredRule> = {}): StoredRule {
  created += 1_000;
  return {
    id: `00000000-0000-4000-8000-${String(created).padStart(12, '0').slice(-12)}`,
    version: 1,
    createdAt: new Date(created),
    updatedAt: new Date(created),
    name,
    match,
    limits: [{ limit: 10, windowMs: 1_000 }],
    ...extra,
  };
}
