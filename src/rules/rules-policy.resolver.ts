import type { PolicyQuery, PolicyResolver } from '../limiter/policy/policy-resolver.js';
import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import type { DescriptorEntry } from './descriptor-rules.js';
import type { LoadState } from './load-state.js';
import { type DefaultPolicy, RulesSnapshot } from './rules-snapshot.js';

/**
 * The limiter's `PolicyResolver` backed by admin rules: answers from the current `RulesSnapshot`,
 * held in one reference and replaced whole, so a request sees one rules version from start to end
 * and a reload never blocks a lookup. Until the first snapshot arrives it answers the declared
 * policy, else the default.
 *
 * @example
 * const resolver = new RulesPolicyResolver(defaultPolicy);
 * resolver.swap(new RulesSnapshot(rules, version, { defaultPolicy }));
 * resolver.current.version; // what this node enforces
 */
export class RulesPolicyResolver implements PolicyResolver {
  private snapshot: RulesSnapshot;
  private swapped = false;
  private state: LoadState = 'NORMAL';

  constructor(defaultPolicy?: DefaultPolicy) {
    this.snapshot = RulesSnapshot.empty(defaultPolicy);
  }

  /** The snapshot in force (its `version`, `ruleCount`, `enabledRuleCount`). */
  get current(): RulesSnapshot {
    return this.snapshot;
  }

  /** Whether a snapshot of stored rules has been swapped in yet (a node is not ready before). */
  get loaded(): boolean {
    return this.swapped;
  }

  /** The fleet's load state rules are resolved in (their `stateLimits`). */
  get loadState(): LoadState {
    return this.state;
  }

  /** Switches the load state; the system state's snapshot section calls it with every rules snapshot. */
  setLoadState(state: LoadState): void {
    this.state = state;
  }

  resolve(query: PolicyQuery): RateLimitPolicy | undefined {
    return this.snapshot.resolve(query, this.state);
  }

  /** The Envoy rule's policy for one descriptor of `domain`, in the load state; undefined: not limited. */
  resolveDescriptor(domain: string, entries: readonly DescriptorEntry[]): RateLimitPolicy | undefined {
    return this.snapshot.descriptorPolicy(domain, entries, this.state);
  }

  /**
   * Puts `next` in force, unless it is older than the snapshot in force (a reload that lost a race
   * with a newer one): then nothing changes and the answer is false.
   */
  swap(next: RulesSnapshot): boolean {
    if (this.swapped && next.version < this.snapshot.version) return false;
    this.snapshot = next;
    this.swapped = true;
    return true;
  }
}
