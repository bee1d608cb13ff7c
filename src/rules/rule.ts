import type { Algorithm, LimitSpec } from '../limiter/algorithms.js';
import type { CountOnly, PenaltyOptions } from '../limiter/rate-limit.options.js';
import type { LoadState } from './load-state.js';

/** Rule names: lowercase, so `Search` and `search` can never be two rules with one look. */
export const RULE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_DESCRIPTION_LENGTH = 500;
/** The same bounds as `/v1/check` puts on a query, so every selector a rule accepts can match one. */
export const MAX_RESOURCE_LENGTH = 512;
export const MAX_TIER_LENGTH = 64;
export const MAX_CLIENT_ID_LENGTH = 256;
/**
 * Bounds of an Envoy rule's selectors (`match.domain`, `match.descriptors`). A request may carry
 * longer strings and more entries (the Envoy server's own bounds, `src/envoy`); such a descriptor
 * matches no rule with a value for it, or only a rule that takes any value of its key.
 */
export const MAX_DOMAIN_LENGTH = 128;
export const MAX_DESCRIPTOR_ENTRIES = 8;
export const MAX_DESCRIPTOR_KEY_LENGTH = 128;
export const MAX_DESCRIPTOR_VALUE_LENGTH = 1024;
/** The same bounds as `DEFAULT_LIMIT` and `DEFAULT_WINDOW_MS` (31 days). */
export const MAX_RULE_LIMIT = 1_000_000_000;
export const MAX_RULE_WINDOW_MS = 31 * 24 * 3_600_000;
export const MAX_PRIORITY = 1_000_000;

/**
 * A rule's progressive penalty, as written (defaults are applied when the rule is compiled: see
 * `withPenaltyDefaults`): once a request is refused for being over a limit, the caller is refused
 * for `min(blockDurationMs * multiplier^(offences - 1), maxBlockMs)`.
 */
export type RulePenalty = Readonly<PenaltyOptions>;

/**
 * Limits a rule enforces instead of `limits` while the fleet is in a load state (NORMAL, DEGRADED).
 * Keep the windows of `limits` so the usage carries over when the state switches.
 */
export type RuleStateLimits = Readonly<Partial<Record<LoadState, readonly LimitSpec[]>>>;

/**
 * One entry of an Envoy descriptor a rule matches: the entry's `key`, and its `value` if the rule
 * names one. Without a value any value fits, and each value is counted apart (as in
 * envoyproxy/ratelimit's configuration).
 */
export interface RuleDescriptorEntry {
  readonly key: string;
  readonly value?: string;
}

/**
 * Which requests a rule applies to: every selector it names must fit. `resource` may hold `*`
 * wildcards (any run of characters); `tier` and `clientId` match exactly.
 *
 * A rule naming `domain` is an Envoy rule (the Envoy rate limit service, `src/envoy`): it applies
 * to the descriptors of that domain's requests, never to an HTTP request, and names none of
 * `resource`, `tier`, `clientId`. With `descriptors`, to a descriptor with exactly those entries in
 * that order (a value where the rule gives one); without, to any descriptor of the domain no rule
 * with `descriptors` takes.
 */
export interface RuleMatch {
  readonly resource?: string;
  readonly tier?: string;
  readonly clientId?: string;
  readonly domain?: string;
  readonly descriptors?: readonly RuleDescriptorEntry[];
}

/**
 * An admin rule as written: the body of `POST /v1/rules`. Optional fields have defaults (see
 * `RuleBody`).
 *
 * @example
 * { "name": "search-free", "match": { "resource": "GET /v1/search*", "tier": "free" },
 *   "limits": [{ "limit": 10, "windowMs": 1000 }, { "limit": 500, "windowMs": 3600000 }] }
 */
export interface RuleInput {
  readonly name: string;
  readonly description?: string;
  readonly match: RuleMatch;
  /** Default `sliding_window`. */
  readonly algorithm?: Algorithm;
  /** 1 to 5 limits with distinct windows, enforced atomically. */
  readonly limits: readonly LimitSpec[];
  /** Default true; a disabled rule is kept but never applies. */
  readonly enabled?: boolean;
  /** Default false: decide, log and count, but let the request through. */
  readonly shadow?: boolean;
  /** Default 0; only breaks ties between equally specific rules (higher wins). */
  readonly priority?: number;
  /** Default false; when true each matching resource has its own budget (policy `<name>|<resource>`). */
  readonly perResource?: boolean;
  /**
   * Once over a limit, stay refused this long (ms): `penalty: { blockDurationMs }` in short, which
   * is how a validated body carries it. Not with `penalty`.
   */
  readonly blockDurationMs?: number;
  /** A progressive penalty. Not with `blockDurationMs`, nor with the `concurrency` algorithm. */
  readonly penalty?: RulePenalty;
  /** Limits per load state, replacing `limits` in that state. */
  readonly stateLimits?: RuleStateLimits;
  /**
   * Count only failed (status >= 400) or only succeeded responses; absent: every request. Applies
   * where the response is seen: routes behind the guard.
   */
  readonly countOnly?: CountOnly;
}

/** A valid rule body with every default applied; a `blockDurationMs` is carried as `penalty`. */
export interface RuleBody extends Omit<RuleInput, 'blockDurationMs'> {
  readonly algorithm: Algorithm;
  readonly enabled: boolean;
  readonly shadow: boolean;
  readonly priority: number;
  readonly perResource: boolean;
}

/**
 * A valid `PATCH` body: the fields to change, nothing else. `match` and `limits` are replaced whole;
 * `penalty: null` removes the penalty (as in a JSON merge patch: a rule must be able to lose one).
 */
export interface RulePatch extends Partial<
  Omit<RuleInput, 'blockDurationMs' | 'penalty' | 'stateLimits' | 'countOnly'>
> {
  readonly penalty?: RulePenalty | null;
  readonly stateLimits?: RuleStateLimits | null;
  readonly countOnly?: CountOnly | null;
}

/**
 * A rule as persisted: its body plus what the store adds. `description` and `penalty` may be
 * `null`, as a nullable column gives them back.
 */
export interface StoredRule extends Omit<
  RuleInput,
  'description' | 'blockDurationMs' | 'penalty' | 'stateLimits' | 'countOnly'
> {
  readonly description?: string | null;
  readonly penalty?: RulePenalty | null;
  readonly stateLimits?: RuleStateLimits | null;
  readonly countOnly?: CountOnly | null;
  /** A UUID. */
  readonly id: string;
  /** Bumped on every change (optimistic concurrency). */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
