import type { Algorithm, LimitSpec } from '../algorithms.js';
import type { RateLimitDecision } from '../decision.js';
import type { RateLimitPolicy } from '../policy/rate-limit-policy.js';
import type { HeaderOptions } from '../rate-limit.options.js';

/** Legacy headers and IETF draft 10 unless configured otherwise. */
export const DEFAULT_HEADER_OPTIONS: Required<HeaderOptions> = Object.freeze({ legacy: true, ietf: 'draft-10' });

/** Fills in `HeaderOptions` defaults. */
export function resolveHeaderOptions(options: HeaderOptions | undefined): Required<HeaderOptions> {
  return {
    legacy: options?.legacy ?? DEFAULT_HEADER_OPTIONS.legacy,
    ietf: options?.ietf ?? DEFAULT_HEADER_OPTIONS.ietf,
  };
}

type Header = [string, string];
type IetfDraft = Exclude<Required<HeaderOptions>['ietf'], false>;

/** What a decision's headers need that does not change per request. */
interface PolicyParts {
  /** The policy name as an RFC 8941 sf-string: the one item's name, or the first's of several. */
  readonly quotedName: string;
  /** With several limits, each item's own name by its window (ms): `RateLimit` names the one it reports. */
  readonly itemNames: ReadonlyMap<number, string> | undefined;
  readonly policyValue: string;
  /**
   * Bucket limits whose burst is not their rate (token_bucket, gcra): each one's window (ms) to its
   * capacity and refill, since a caller can hold up to `burst` units, not `limit`. Undefined when
   * the policy has none (the common case: nothing to look up).
   */
  readonly buckets: ReadonlyMap<number, BucketQuota> | undefined;
}

/**
 * What a bucket limit advertises: its capacity (`burst`) as the quota, over the time the bucket
 * takes to refill from empty (`burst` units at `limit` per `windowMs`), so `q/w` stays the rate.
 */
export interface BucketQuota {
  readonly quota: number;
  readonly refill: { readonly limit: number; readonly windowMs: number };
  readonly refillWindowMs: number;
}

/**
 * The IETF header sets by draft: a later draft is one more entry here (and in `HeaderOptions.ietf`).
 * `resetSeconds` is the value of `t` (and of `Retry-After` on refusal).
 */
const IETF_DRAFTS: Record<
  IetfDraft,
  (decision: RateLimitDecision, parts: PolicyParts, resetSeconds: number) => Header[]
> = {
  // draft-ietf-httpapi-ratelimit-headers-10: every quota in RateLimit-Policy, the tightest in RateLimit.
  'draft-10': (decision, parts, resetSeconds) => [
    ['RateLimit-Policy', parts.policyValue],
    ['RateLimit', `${reportedItem(decision, parts)};r=${decision.remaining};t=${resetSeconds}`],
  ],
};

const partsByPolicy = new WeakMap<RateLimitPolicy, PolicyParts>();

/**
 * The rate-limit response headers of one decision, in emission order. The only place headers are
 * built.
 *
 * - Legacy: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`, the last in
 *   **seconds until the quota is whole again** (an integer, rounded up), not an epoch timestamp.
 * - IETF draft 10: `RateLimit-Policy: "name";q=100;w=60` (one item per limit, `w` in seconds rounded
 *   up) and `RateLimit: "name";r=50;t=30` for the most constraining limit.
 * - Refused (`limited`, `failed_closed`): `Retry-After` in seconds (retryAfterMs rounded up, at
 *   least 1); `t` and `X-RateLimit-Reset` carry the same value, so no header invites an earlier retry.
 *   A caller blocked by a penalty is refused with `r=0` until the block ends.
 * - `failed_open`: `X-RateLimit-Failed-Open: true`.
 * - `concurrency`: `RateLimit-Policy: "name";q=10;qu="concurrent-requests"` (draft 10's quota unit
 *   for requests in flight; no `w`: there is no window) and `RateLimit: "name";r=<free slots>;t=0`
 *   (`t=0`, and `X-RateLimit-Reset: 0`: a slot frees whenever a request ends, not at a reset time;
 *   on a refusal both carry the `Retry-After` value like any other refusal).
 *
 * Pass the enforced `policy` to list all its limits even when the decision has none (a store
 * failure) and to reuse its precomputed `RateLimit-Policy` value.
 *
 * @example
 * for (const [name, value] of rateLimitHeaders(decision, DEFAULT_HEADER_OPTIONS, policy)) reply.header(name, value);
 */
export function rateLimitHeaders(
  decision: RateLimitDecision,
  options: Required<HeaderOptions>,
  policy?: RateLimitPolicy,
): Header[] {
  const refused = decision.outcome === 'limited' || decision.outcome === 'failed_closed';
  const resetSeconds = resetSecondsOf(decision, refused);
  const headers: Header[] = [];
  // Looked up once: the quota and the IETF items come from the same parts.
  const parts = policy !== undefined || options.ietf !== false ? partsOf(decision, policy) : undefined;
  if (options.legacy) {
    const quota = parts === undefined ? undefined : bucketIn(decision, parts, policy)?.quota;
    headers.push(
      ['X-RateLimit-Limit', String(quota ?? decision.limit)],
      ['X-RateLimit-Remaining', String(decision.remaining)],
      ['X-RateLimit-Reset', String(resetSeconds)],
    );
  }
  if (options.ietf !== false) headers.push(...IETF_DRAFTS[options.ietf](decision, parts!, resetSeconds));
  if (refused) headers.push(['Retry-After', String(resetSeconds)]);
  if (decision.outcome === 'failed_open') headers.push(['X-RateLimit-Failed-Open', 'true']);
  return headers;
}

/**
 * `t`, `X-RateLimit-Reset` and `Retry-After`: seconds until the quota is whole, rounded up, at least
 * 1 when refused. 0 for concurrency when not refused: a slot frees whenever a request ends.
 */
function resetSecondsOf(decision: RateLimitDecision, refused: boolean): number {
  if (!refused && decision.algorithm === 'concurrency') return 0;
  return Math.ceil(Math.max(0, decision.resetMs) / 1000) || (refused ? 1 : 0);
}

/**
 * The quota a decision advertises (`X-RateLimit-Limit`, the body's `limit`): its tightest limit's
 * `limit`, or for a token_bucket or gcra limit with a `burst`, the burst: what the caller can really
 * hold, so that `remaining` never exceeds it.
 */
export function quotaOf(decision: RateLimitDecision, policy?: RateLimitPolicy): number {
  return bucketOf(decision, policy)?.quota ?? decision.limit;
}

/** The tightest limit's bucket quota, when it is a bucket with a burst (see `PolicyParts.buckets`). */
export function bucketOf(decision: RateLimitDecision, policy?: RateLimitPolicy): BucketQuota | undefined {
  // Only buckets have a burst: any other decision costs no lookup.
  if (policy === undefined || (policy.algorithm !== 'token_bucket' && policy.algorithm !== 'gcra')) return undefined;
  return bucketIn(decision, partsOf(decision, policy), policy);
}

function bucketIn(decision: RateLimitDecision, parts: PolicyParts, policy?: RateLimitPolicy): BucketQuota | undefined {
  if (parts.buckets === undefined) return undefined;
  return parts.buckets.get(tightestOf(decision)?.windowMs ?? policy?.limits[0]?.windowMs ?? -1);
}

/** The limit `limit` and `remaining` come from (see `toDecision`); undefined without limits. */
function tightestOf(decision: RateLimitDecision): LimitSpec | undefined {
  const { limits } = decision;
  if (limits.length < 2) return limits[0];
  return limits.find((l) => l.limit === decision.limit && l.remaining === decision.remaining);
}

function partsOf(decision: RateLimitDecision, policy: RateLimitPolicy | undefined): PolicyParts {
  if (policy === undefined) return buildParts(decision.rule, decision.algorithm, decision.limits);
  let parts = partsByPolicy.get(policy);
  if (parts === undefined) {
    parts = buildParts(policy.name, policy.algorithm, policy.limits);
    partsByPolicy.set(policy, parts);
  }
  return parts;
}

function buildParts(
  name: string,
  algorithm: Algorithm,
  limits: readonly Pick<LimitSpec, 'limit' | 'windowMs' | 'burst'>[],
): PolicyParts {
  const quotedName = sfString(name);
  if (limits.length === 0) return { quotedName, itemNames: undefined, policyValue: quotedName, buckets: undefined };
  const buckets = bucketsOf(algorithm, limits);
  // Item names must differ, or `RateLimit` could not say which quota it reports: the window says it.
  const itemNames =
    limits.length < 2
      ? undefined
      : new Map(limits.map((l) => [l.windowMs, sfString(`${name}/${windowLabel(l.windowMs)}`)]));
  const itemName = (l: Pick<LimitSpec, 'windowMs'>) => itemNames?.get(l.windowMs) ?? quotedName;
  const items = limits.map((l) => {
    const bucket = buckets?.get(l.windowMs);
    const [quota, windowMs] = bucket === undefined ? [l.limit, l.windowMs] : [bucket.quota, bucket.refillWindowMs];
    return `${itemName(l)};q=${quota};${unitOrWindow(algorithm, windowMs)}`;
  });
  return { quotedName: itemName(limits[0]!), itemNames, policyValue: items.join(', '), buckets };
}

/** The bucket limits of `limits` whose burst differs from their rate, by window; else undefined. */
function bucketsOf(
  algorithm: Algorithm,
  limits: readonly Pick<LimitSpec, 'limit' | 'windowMs' | 'burst'>[],
): ReadonlyMap<number, BucketQuota> | undefined {
  if (algorithm !== 'token_bucket' && algorithm !== 'gcra') return undefined;
  const buckets = new Map<number, BucketQuota>();
  for (const { limit, windowMs, burst } of limits) {
    if (burst === undefined || burst === limit || limit < 1) continue;
    buckets.set(windowMs, {
      quota: burst,
      refill: { limit, windowMs },
      refillWindowMs: Math.ceil((burst * windowMs) / limit),
    });
  }
  return buckets.size === 0 ? undefined : buckets;
}

/** A window as an item name's suffix: whole seconds when it is, else milliseconds (`10s`, `1500ms`). */
function windowLabel(windowMs: number): string {
  return windowMs % 1000 === 0 ? `${windowMs / 1000}s` : `${windowMs}ms`;
}

/**
 * The item `RateLimit` reports: the decision's tightest limit (the one its `limit` and `remaining`
 * come from), by its window; the first item when the decision has no limits (a store failure).
 */
function reportedItem(decision: RateLimitDecision, parts: PolicyParts): string {
  if (parts.itemNames === undefined) return parts.quotedName;
  const tightest = tightestOf(decision);
  return (tightest !== undefined && parts.itemNames.get(tightest.windowMs)) || parts.quotedName;
}

/**
 * A quota item's `w` (seconds, rounded up; the default unit `requests` goes without saying), or for
 * `concurrency` its quota unit: in flight is not per window, and its `windowMs` (the lease) is an
 * implementation detail a client cannot act on.
 */
function unitOrWindow(algorithm: Algorithm, windowMs: number): string {
  return algorithm === 'concurrency' ? 'qu="concurrent-requests"' : `w=${Math.max(1, Math.ceil(windowMs / 1000))}`;
}

/**
 * An RFC 8941 sf-string: `"` and `\` escaped. Characters an sf-string cannot hold (outside printable
 * ASCII) become `?`, so a non-ASCII rule name can never make a header invalid.
 */
export function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}
