import type { LimitSpec } from '../limiter/algorithms.js';
import type { PolicyQuery, PolicyResolver } from '../limiter/policy/policy-resolver.js';
import { withPenaltyDefaults } from '../limiter/policy/penalty.js';
import type { RateLimitPolicy } from '../limiter/policy/rate-limit-policy.js';
import { type DescriptorEntry, DescriptorRules } from './descriptor-rules.js';
import { LOAD_STATES, type LoadState } from './load-state.js';
import { ResourcePattern } from './resource-pattern.js';
import type { RuleBody, RuleDescriptorEntry, StoredRule } from './rule.js';
import { validateRuleBody } from './validate-rule-body.js';

/** Something that names a policy after the resource, like a compiled `@RateLimit()` without a `name`. */
export interface PolicySource {
  policyFor(resource: string): RateLimitPolicy;
}

/** What applies when no rule and no `@RateLimit()` does: one policy, or one per resource. */
export type DefaultPolicy = RateLimitPolicy | PolicySource;

export interface RulesSnapshotOptions {
  /** The service's `DEFAULT_LIMIT` rule (or the module's `default`); none means "not limited". */
  readonly defaultPolicy?: DefaultPolicy;
  /** Policies kept per `perResource` rule before the oldest is dropped. Default 10,000. */
  readonly perResourceCacheSize?: number;
}

/**
 * A stored rule the snapshot left out because it cannot be compiled (written around the API, by
 * hand or by an older node): one bad row must not keep the rest of the set from being enforced.
 */
export interface InvalidRule {
  /** The row's id, as stored (`"undefined"` when it has none). */
  readonly id: string;
  /** The row's name, when it has one that is a string. */
  readonly name: string | undefined;
  /** What is wrong with it: the fields and reasons, as the admin API would have said. */
  readonly reason: string;
}

const DEFAULT_PER_RESOURCE_CACHE_SIZE = 10_000;

/** Separates a `perResource` rule's name from the resource; rule names cannot contain it. */
const PER_RESOURCE_SEPARATOR = '|';

interface CompiledRule {
  readonly stored: StoredRule;
  readonly clientId: string | undefined;
  readonly tier: string | undefined;
  readonly resource: ResourcePattern | undefined;
  readonly priority: number;
  readonly createdAt: number;
  /** The policy in each load state (one object when the rule has no `stateLimits` for it). */
  readonly policies: Readonly<Record<LoadState, RateLimitPolicy>>;
  /** `perResource` rules: the policy of each state and resource seen (`<state>|<resource>`), oldest first. */
  readonly byResource: Map<string, RateLimitPolicy> | undefined;
}

/** An Envoy rule (`match.domain`), compiled: never on the HTTP ladder. */
interface CompiledDescriptorRule {
  readonly stored: StoredRule;
  readonly domain: string;
  readonly entries: readonly RuleDescriptorEntry[];
  readonly priority: number;
  readonly createdAt: number;
  readonly id: string;
  readonly policies: Readonly<Record<LoadState, RateLimitPolicy>>;
}

/** The rules of one specificity rung that share their exact selectors (clientId, tier). */
interface Candidates {
  /** Rung without a resource selector: the best rule. */
  best: CompiledRule | undefined;
  /** Exact resources: the best rule per resource. */
  readonly exact: Map<string, CompiledRule>;
  /** Glob resources, best first. */
  readonly globs: CompiledRule[];
}

/** One rung of the ladder: which selectors its rules name. */
interface Rung {
  readonly clientId: boolean;
  readonly tier: boolean;
  readonly resource: boolean;
  /** clientId (or '') -> tier (or '') -> candidates. Selector values are never empty, so '' is free. */
  readonly index: Map<string, Map<string, Candidates>>;
}

/** Most specific first: more selectors, then clientId over tier over resource. */
const RUNGS: readonly (readonly [clientId: boolean, tier: boolean, resource: boolean])[] = [
  [true, true, true],
  [true, true, false],
  [true, false, true],
  [false, true, true],
  [true, false, false],
  [false, true, false],
  [false, false, true],
];

/**
 * The admin rules of one rules version, compiled for lookup; immutable, swapped whole (see
 * `RulesPolicyResolver`).
 *
 * How a query `{ resource, tier?, clientId?, declared? }` is resolved:
 * 1. Disabled rules are left out.
 * 2. A rule applies when every selector it names fits the query: `match.resource` as a glob
 *    (`*` = any run of characters, everything else literal, the whole resource), `match.tier` and
 *    `match.clientId` exactly. A rule naming `tier` never applies to a query without one.
 * 3. Of the rules that apply, the most specific wins:
 *    a. more selectors over fewer;
 *    b. with as many selectors: `clientId` over `tier` over `resource` (so the ladder is
 *       clientId+tier+resource, clientId+tier, clientId+resource, tier+resource, clientId, tier,
 *       resource);
 *    c. on one rung: an exact resource over a glob, a glob with more literal characters over one with
 *       fewer;
 *    d. then the higher `priority`;
 *    e. then the older rule (`createdAt`, then `id`).
 * 4. No rule applies: the route's declared `@RateLimit()` policy (`query.declared`), else the
 *    default policy, else `undefined` (not limited). So a rule whose `match.resource` is a route's
 *    name overrides that route's decorator.
 *
 * Envoy rules (`match.domain`) are never resolved here: they apply to the descriptors of Envoy's
 * rate limit requests (`descriptorPolicy`, see `DescriptorRules`), and `ruleFor`, `rulesFor` and
 * `policyNamed` do not know them.
 *
 * The policy of a rule is named after the rule (counters belong to a rule's name and the caller, so
 * editing a rule's limits keeps what was used). With `perResource`, each resource gets its own
 * budget: the policy `<name>|<resource>`. Every call returns the same policy object for the same
 * rule (and resource), which the limiter's denial cache relies on; `perResource` policies are kept
 * for the last `perResourceCacheSize` resources per rule.
 *
 * @example
 * const snapshot = new RulesSnapshot(await rules.findAll(), rulesVersion, { defaultPolicy });
 * snapshot.resolve({ resource: 'GET /v1/search', tier: 'free', clientId: 'acct_42' });
 */
export class RulesSnapshot implements PolicyResolver {
  /** How many rules the snapshot was built from, disabled ones included. */
  readonly ruleCount: number;
  /** How many of them can apply. */
  readonly enabledRuleCount: number;
  /** The stored rules left out because they do not compile, in the order given. */
  readonly invalidRules: readonly InvalidRule[];
  private readonly rungs: readonly Rung[];
  /** Every enabled rule, for `rulesFor` (the rungs keep only the rules that can win). */
  private readonly compiled: readonly CompiledRule[];
  private readonly byName: ReadonlyMap<string, CompiledRule>;
  private readonly descriptorRules: DescriptorRules<CompiledDescriptorRule>;
  private readonly fallback: (resource: string) => RateLimitPolicy | undefined;
  private readonly perResourceCacheSize: number;

  /**
   * @param rules every stored rule of this version; each is checked again as a `create` body, and
   *   one that fails (or takes the name or id of an earlier one) is left out and listed in
   *   `invalidRules`.
   * @param version the rules version these rules are (the `rules_version` they were read at).
   */
  constructor(
    rules: readonly StoredRule[],
    readonly version: number,
    options: RulesSnapshotOptions = {},
  ) {
    this.perResourceCacheSize = options.perResourceCacheSize ?? DEFAULT_PER_RESOURCE_CACHE_SIZE;
    this.fallback = fallbackOf(options.defaultPolicy);
    const { compiled, descriptorRules, invalid } = compileAll(rules);
    this.ruleCount = rules.length;
    this.enabledRuleCount = compiled.length + descriptorRules.length;
    this.invalidRules = Object.freeze(invalid);
    this.rungs = buildRungs(compiled);
    this.compiled = compiled;
    this.byName = new Map(compiled.map((rule) => [rule.stored.name, rule]));
    this.descriptorRules = new DescriptorRules(descriptorRules);
  }

  /** A snapshot without rules: the declared policy, else the default. */
  static empty(defaultPolicy?: DefaultPolicy, version = 0): RulesSnapshot {
    return new RulesSnapshot([], version, defaultPolicy === undefined ? {} : { defaultPolicy });
  }

  /** The policy for `query` while the fleet is in `state` (a rule's `stateLimits` for it, else its `limits`). */
  resolve(query: PolicyQuery, state: LoadState = 'NORMAL'): RateLimitPolicy | undefined {
    const rule = this.find(query);
    if (rule === undefined) return query.declared ?? this.fallback(query.resource);
    return rule.byResource === undefined ? rule.policies[state] : this.perResourcePolicy(rule, query.resource, state);
  }

  /**
   * The policy of the Envoy rule that takes one descriptor of `domain` (its entries, in order) while
   * the fleet is in `state`; undefined when none does (the descriptor is not limited, as
   * envoyproxy/ratelimit answers an unknown domain or descriptor). See `DescriptorRules`.
   */
  descriptorPolicy(
    domain: string,
    entries: readonly DescriptorEntry[],
    state: LoadState = 'NORMAL',
  ): RateLimitPolicy | undefined {
    return this.descriptorRules.find(domain, entries)?.policies[state];
  }

  /**
   * The policy an enabled rule named `name` enforces (a `perResource` rule's for `resource`, which
   * it then needs), or the default policy when it is named `name`; undefined otherwise. For the
   * admin counters view, not the request path.
   */
  policyNamed(name: string, resource?: string, state: LoadState = 'NORMAL'): RateLimitPolicy | undefined {
    const rule = this.byName.get(name);
    if (rule === undefined) {
      const fallback = this.fallback(resource ?? name);
      return fallback?.name === name ? fallback : undefined;
    }
    if (rule.byResource === undefined) return rule.policies[state];
    return resource === undefined ? undefined : this.perResourcePolicy(rule, resource, state);
  }

  /** Whether the enabled rule named `name` keeps a budget per resource. */
  isPerResource(name: string): boolean {
    return this.byName.get(name)?.byResource !== undefined;
  }

  /**
   * The `match.resource` of the enabled rule named `name` when it has one and `resource` is not one
   * it applies to; undefined otherwise. For the counters view: a per-resource rule has no budget
   * for a resource it never matches, so a typo there would read as a fresh budget.
   */
  unmatchedResourcePattern(name: string, resource: string): string | undefined {
    const pattern = this.byName.get(name)?.resource;
    return pattern === undefined || pattern.matches(resource) ? undefined : pattern.source;
  }

  /** The rule that applies to `query`, if any (for explaining a decision; `resolve` is the hot path). */
  ruleFor(query: PolicyQuery): StoredRule | undefined {
    return this.find(query)?.stored;
  }

  /**
   * Every enabled rule that applies to `query`, most specific first (the order of the ladder, so the
   * first is `ruleFor(query)`). For explaining a decision only: it scans every rule.
   */
  rulesFor(query: PolicyQuery): StoredRule[] {
    const { resource, tier, clientId } = query;
    const ranked: { rule: CompiledRule; rung: number }[] = [];
    for (const rule of this.compiled) {
      if (rule.clientId !== undefined && rule.clientId !== clientId) continue;
      if (rule.tier !== undefined && rule.tier !== tier) continue;
      if (rule.resource !== undefined && !rule.resource.matches(resource)) continue;
      const rung = RUNGS.findIndex(
        ([c, t, r]) =>
          c === (rule.clientId !== undefined) && t === (rule.tier !== undefined) && r === (rule.resource !== undefined),
      );
      ranked.push({ rule, rung });
    }
    ranked.sort((a, b) => a.rung - b.rung || moreSpecific(a.rule, b.rule));
    return ranked.map(({ rule }) => rule.stored);
  }

  private find(query: PolicyQuery): CompiledRule | undefined {
    const { resource, tier, clientId } = query;
    for (const rung of this.rungs) {
      if ((rung.clientId && clientId === undefined) || (rung.tier && tier === undefined)) continue;
      const candidates = rung.index.get(rung.clientId ? clientId! : '')?.get(rung.tier ? tier! : '');
      if (candidates === undefined) continue;
      if (!rung.resource) return candidates.best;
      const exact = candidates.exact.get(resource);
      if (exact !== undefined) return exact;
      for (const rule of candidates.globs) if (rule.resource!.matches(resource)) return rule;
    }
    return undefined;
  }

  private perResourcePolicy(rule: CompiledRule, resource: string, state: LoadState): RateLimitPolicy {
    const cache = rule.byResource!;
    const cacheKey = `${state}${PER_RESOURCE_SEPARATOR}${resource}`;
    let policy = cache.get(cacheKey);
    if (policy === undefined) {
      const base = rule.policies[state];
      const perResource = `${base.name}${PER_RESOURCE_SEPARATOR}${resource}`;
      // Everything of the rule's policy in this state (its penalty too), under the per-resource name.
      policy = Object.freeze({ ...base, name: perResource, rule: base.name });
      if (cache.size >= this.perResourceCacheSize) cache.delete(cache.keys().next().value!);
      cache.set(cacheKey, policy);
    }
    return policy;
  }
}

function fallbackOf(policy: DefaultPolicy | undefined): (resource: string) => RateLimitPolicy | undefined {
  if (policy === undefined) return () => undefined;
  if ('policyFor' in policy) return (resource) => policy.policyFor(resource);
  return () => policy;
}

/**
 * Validates and compiles every rule, leaving out disabled ones and, reported, invalid ones; HTTP
 * rules and Envoy rules apart.
 */
function compileAll(rules: readonly StoredRule[]): {
  compiled: CompiledRule[];
  descriptorRules: CompiledDescriptorRule[];
  invalid: InvalidRule[];
} {
  const names = new Set<string>();
  const ids = new Set<string>();
  const compiled: CompiledRule[] = [];
  const descriptorRules: CompiledDescriptorRule[] = [];
  const invalid: InvalidRule[] = [];
  for (const stored of rules) {
    const checked = checkStored(stored, names, ids);
    if (checked.reason !== undefined) {
      const { id, name } = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<StoredRule>;
      invalid.push({ id: String(id), name: typeof name === 'string' ? name : undefined, reason: checked.reason });
      continue;
    }
    names.add(checked.body.name);
    ids.add(stored.id);
    if (!checked.body.enabled) continue;
    if (checked.body.match.domain === undefined) compiled.push(compile(stored, checked.body));
    else descriptorRules.push(compileDescriptorRule(stored, checked.body, checked.body.match.domain));
  }
  return { compiled, descriptorRules, invalid };
}

function compileDescriptorRule(stored: StoredRule, body: RuleBody, domain: string): CompiledDescriptorRule {
  const limits: readonly LimitSpec[] = Object.freeze(body.limits.map((limit) => Object.freeze({ ...limit })));
  return {
    stored,
    domain,
    entries: Object.freeze((body.match.descriptors ?? []).map((entry) => Object.freeze({ ...entry }))),
    priority: body.priority,
    createdAt: stored.createdAt.getTime(),
    id: stored.id,
    policies: policiesOf(body, limits),
  };
}

/** The rule's valid body, or why it cannot be enforced beside the rules before it (`names`, `ids`). */
function checkStored(
  stored: StoredRule,
  names: ReadonlySet<string>,
  ids: ReadonlySet<string>,
): { readonly body: RuleBody; readonly reason?: undefined } | { readonly reason: string; readonly body?: undefined } {
  if (typeof stored !== 'object' || stored === null) return { reason: 'is not an object' };
  if (typeof stored.id !== 'string' || stored.id === '') return { reason: 'id must be a non-empty string' };
  if (!(stored.createdAt instanceof Date) || Number.isNaN(stored.createdAt.getTime())) {
    return { reason: 'createdAt must be a valid Date' };
  }
  const result = validateRuleBody(bodyOf(stored), 'create');
  if (result.errors !== undefined) return { reason: result.errors.map((e) => `${e.field} ${e.reason}`).join('; ') };
  if (names.has(result.value.name)) return { reason: `the name "${result.value.name}" is taken by another rule` };
  if (ids.has(stored.id)) return { reason: 'the id is taken by another rule' };
  return { body: result.value };
}

/** The fields that decide resolution; `description` is for people and a stored `null` is fine. */
function bodyOf(stored: StoredRule): unknown {
  const { name, match, algorithm, limits, enabled, shadow, priority, perResource } = stored;
  // A nullable column gives `null` for "none", which a body says by leaving the field out.
  const body: Record<string, unknown> = { name, match, algorithm, limits, enabled, shadow, priority, perResource };
  for (const field of ['penalty', 'stateLimits', 'countOnly'] as const) {
    const value = stored[field];
    if (value !== null && value !== undefined) body[field] = value;
  }
  return body;
}

function compile(stored: StoredRule, body: RuleBody): CompiledRule {
  const limits: readonly LimitSpec[] = Object.freeze(body.limits.map((limit) => Object.freeze({ ...limit })));
  return {
    stored,
    clientId: body.match.clientId,
    tier: body.match.tier,
    resource: body.match.resource === undefined ? undefined : ResourcePattern.compile(body.match.resource),
    priority: body.priority,
    createdAt: stored.createdAt.getTime(),
    policies: policiesOf(body, limits),
    byResource: body.perResource ? new Map() : undefined,
  };
}

/**
 * The rule's policy in each load state, all under the rule's name (so the usage carries over when
 * the state switches). A state without `stateLimits` shares the base policy object.
 */
function policiesOf(body: RuleBody, limits: readonly LimitSpec[]): Record<LoadState, RateLimitPolicy> {
  const base = policyOf(body, limits);
  const policies = {} as Record<LoadState, RateLimitPolicy>;
  for (const state of LOAD_STATES) {
    const own = body.stateLimits?.[state];
    policies[state] =
      own === undefined ? base : policyOf(body, Object.freeze(own.map((limit) => Object.freeze({ ...limit }))));
  }
  return policies;
}

/** A policy of the rule: no `penalty` or `countOnly` property at all without one, as a `@RateLimit()` policy. */
function policyOf(body: RuleBody, limits: readonly LimitSpec[]): RateLimitPolicy {
  const { name, algorithm, shadow, penalty, countOnly } = body;
  return Object.freeze({
    name,
    algorithm,
    limits,
    shadow,
    ...(penalty === undefined ? {} : { penalty: withPenaltyDefaults(penalty) }),
    ...(countOnly === undefined ? {} : { countOnly }),
  });
}

/** Among rules on one rung with the same exact selectors: steps 3c to 3e of the ladder. */
function moreSpecific(a: CompiledRule, b: CompiledRule): number {
  if (a.resource !== undefined && b.resource !== undefined) {
    if (a.resource.exact !== b.resource.exact) return a.resource.exact ? -1 : 1;
    if (a.resource.literalLength !== b.resource.literalLength) {
      return b.resource.literalLength - a.resource.literalLength;
    }
  }
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.stored.id < b.stored.id ? -1 : a.stored.id > b.stored.id ? 1 : 0;
}

function buildRungs(rules: readonly CompiledRule[]): Rung[] {
  const sorted = [...rules].sort(moreSpecific);
  const rungs: Rung[] = [];
  for (const [clientId, tier, resource] of RUNGS) {
    const index = new Map<string, Map<string, Candidates>>();
    for (const rule of sorted) {
      const onRung =
        (rule.clientId !== undefined) === clientId &&
        (rule.tier !== undefined) === tier &&
        (rule.resource !== undefined) === resource;
      if (!onRung) continue;
      let byTier = index.get(rule.clientId ?? '');
      if (byTier === undefined) index.set(rule.clientId ?? '', (byTier = new Map()));
      let candidates = byTier.get(rule.tier ?? '');
      if (candidates === undefined) {
        byTier.set(rule.tier ?? '', (candidates = { best: undefined, exact: new Map(), globs: [] }));
      }
      // `sorted` is best first, so the first rule to take a place keeps it.
      if (rule.resource === undefined) candidates.best ??= rule;
      else if (!rule.resource.exact) candidates.globs.push(rule);
      else if (!candidates.exact.has(rule.resource.source)) candidates.exact.set(rule.resource.source, rule);
    }
    if (index.size > 0) rungs.push({ clientId, tier, resource, index });
  }
  return rungs;
}
