import type { Algorithm, LimitSpec } from '../limiter/algorithms.js';

/** Rule names: lowercase, so `Search` and `search` can never be two rules with one look. */
export const RULE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_DESCRIPTION_LENGTH = 500;
/** The same bounds as `/v1/check` puts on a query, so every selector a rule accepts can match one. */
export const MAX_RESOURCE_LENGTH = 512;
export const MAX_TIER_LENGTH = 64;
export const MAX_CLIENT_ID_LENGTH = 256;
/** The same bounds as `DEFAULT_LIMIT` and `DEFAULT_WINDOW_MS` (31 days). */
export const MAX_RULE_LIMIT = 1_000_000_000;
export const MAX_RULE_WINDOW_MS = 31 * 24 * 3_600_000;
export const MAX_PRIORITY = 1_000_000;

/**
 * Which requests a rule applies to: every selector it names must fit. `resource` may hold `*`
 * wildcards (any run of characters); `tier` and `clientId` match exactly.
 */
export interface RuleMatch {
  readonly resource?: string;
  readonly tier?: string;
  readonly clientId?: string;
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
}

/** A valid rule body with every default applied. */
export interface RuleBody extends RuleInput {
  readonly algorithm: Algorithm;
  readonly enabled: boolean;
  readonly shadow: boolean;
  readonly priority: number;
  readonly perResource: boolean;
}

/** A valid `PATCH` body: the fields to change, nothing else. `match` and `limits` are replaced whole. */
export type RulePatch = Partial<RuleInput>;

/**
 * A rule as persisted: its body plus what the store adds. `description` may be `null`, as a
 * nullable column gives it back.
 */
export interface StoredRule extends Omit<RuleInput, 'description'> {
  readonly description?: string | null;
  /** A UUID. */
  readonly id: string;
  /** Bumped on every change (optimistic concurrency). */
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}
