import type { RuleDescriptorEntry } from './rule.js';

/** One entry of a descriptor as Envoy sends it (`RateLimitDescriptor.Entry`). */
export interface DescriptorEntry {
  readonly key: string;
  readonly value: string;
}

/** What the index needs of a compiled Envoy rule. */
export interface DescriptorRule {
  readonly domain: string;
  /** The entries the rule names, in order; empty for a rule of the whole domain. */
  readonly entries: readonly RuleDescriptorEntry[];
  readonly priority: number;
  readonly createdAt: number;
  readonly id: string;
}

/** A domain's rules: by the number of entries they name, each list best first; and the domain's own. */
interface DomainRules<R> {
  readonly byLength: Map<number, R[]>;
  /** The best rule naming no descriptors: it takes what no rule with descriptors takes. */
  whole: R | undefined;
}

/**
 * The Envoy rules (`match.domain`) of one snapshot, indexed for a descriptor's lookup.
 *
 * A descriptor of a domain is taken by the most specific rule of that domain whose entries fit it:
 * as many entries as the descriptor, in its order, each with the descriptor's key and, where the
 * rule gives one, its value. Of two rules that fit, the one naming the value at the first entry
 * where only one of them names it is more specific (envoyproxy/ratelimit looks for `key_value`
 * before `key` at each level); then the higher `priority`; then the older rule. A descriptor no such
 * rule takes falls to the domain's rule without descriptors, if any.
 *
 * @example
 * new DescriptorRules(rules).find('shop', [{ key: 'path', value: '/search' }]);
 */
export class DescriptorRules<R extends DescriptorRule> {
  private readonly domains = new Map<string, DomainRules<R>>();

  constructor(rules: readonly R[]) {
    for (const rule of [...rules].sort(moreSpecific)) {
      let domain = this.domains.get(rule.domain);
      if (domain === undefined) this.domains.set(rule.domain, (domain = { byLength: new Map(), whole: undefined }));
      if (rule.entries.length === 0) {
        domain.whole ??= rule;
        continue;
      }
      let list = domain.byLength.get(rule.entries.length);
      if (list === undefined) domain.byLength.set(rule.entries.length, (list = []));
      list.push(rule);
    }
  }

  /** The rule that takes this descriptor, or undefined (an unknown domain, a descriptor no rule names). */
  find(domain: string, entries: readonly DescriptorEntry[]): R | undefined {
    const rules = this.domains.get(domain);
    if (rules === undefined) return undefined;
    const candidates = rules.byLength.get(entries.length);
    if (candidates !== undefined) {
      for (const rule of candidates) if (fits(rule.entries, entries)) return rule;
    }
    return rules.whole;
  }
}

function fits(named: readonly RuleDescriptorEntry[], entries: readonly DescriptorEntry[]): boolean {
  for (let i = 0; i < named.length; i++) {
    const rule = named[i]!;
    const entry = entries[i]!;
    if (rule.key !== entry.key || (rule.value !== undefined && rule.value !== entry.value)) return false;
  }
  return true;
}

/** Best first: a value named earlier, then priority, then the older rule (by id on a tie). */
function moreSpecific(a: DescriptorRule, b: DescriptorRule): number {
  const n = Math.min(a.entries.length, b.entries.length);
  for (let i = 0; i < n; i++) {
    const named = Number(a.entries[i]!.value !== undefined) - Number(b.entries[i]!.value !== undefined);
    if (named !== 0) return -named;
  }
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
