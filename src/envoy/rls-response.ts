import type { RateLimitDecision, RateLimitPolicy } from '../limiter/index.js';
import { type HeaderOptions } from '../limiter/rate-limit.options.js';
import { rateLimitHeaders } from '../limiter/headers/rate-limit-headers.js';
import type {
  DescriptorStatusMessage,
  HeaderValueMessage,
  RateLimitResponseMessage,
  RateLimitUnit,
} from './rls-protos.js';

/** One descriptor's answer: no rule took it (`undefined`), or a rule's decision. */
export type DescriptorOutcome = { readonly policy: RateLimitPolicy; readonly decision: RateLimitDecision } | undefined;

/** The status of a descriptor no rule takes: not limited, as envoyproxy/ratelimit answers it. */
const NOT_LIMITED: DescriptorStatusMessage = Object.freeze({ code: 'OK' });

/** The windows that are one of Envoy's units; any other is reported as `UNKNOWN`, with its own count. */
const UNITS: ReadonlyMap<number, RateLimitUnit> = new Map([
  [1_000, 'SECOND'],
  [60_000, 'MINUTE'],
  [3_600_000, 'HOUR'],
  [86_400_000, 'DAY'],
]);

/**
 * The answer to a rate limit request: a status per descriptor in its order, OVER_LIMIT overall when
 * any descriptor was refused (a shadow rule's never is), and the rate-limit headers of the most
 * constraining decision in `response_headers_to_add`, the same headers an HTTP decision sends.
 */
export function rlsResponse(
  outcomes: readonly DescriptorOutcome[],
  headerOptions: Required<HeaderOptions>,
): RateLimitResponseMessage {
  const statuses = outcomes.map((outcome) => (outcome === undefined ? NOT_LIMITED : statusOf(outcome.decision)));
  const headline = mostConstraining(outcomes);
  return {
    overall_code: outcomes.some((outcome) => outcome !== undefined && !outcome.decision.allowed) ? 'OVER_LIMIT' : 'OK',
    statuses,
    response_headers_to_add: headline === undefined ? [] : headersOf(headline, headerOptions),
    request_headers_to_add: [],
  };
}

function statusOf(decision: RateLimitDecision): DescriptorStatusMessage {
  return {
    code: decision.allowed ? 'OK' : 'OVER_LIMIT',
    current_limit: {
      name: decision.rule,
      requests_per_unit: decision.limit,
      unit: UNITS.get(windowOf(decision)) ?? 'UNKNOWN',
    },
    limit_remaining: decision.remaining,
    duration_until_reset: durationOf(decision.resetMs),
  };
}

/** The window of the decision's reported limit (its first limit's when the store reported none). */
function windowOf(decision: RateLimitDecision): number {
  const reported = decision.limits.find((l) => l.limit === decision.limit && l.remaining === decision.remaining);
  return (reported ?? decision.limits[0])?.windowMs ?? 0;
}

function durationOf(ms: number): { seconds: number; nanos: number } {
  const whole = Math.max(0, Math.round(ms));
  return { seconds: Math.floor(whole / 1000), nanos: (whole % 1000) * 1_000_000 };
}

/**
 * The decision the headers describe, as `toDecision` picks a policy's tightest limit: a refusal
 * over anything allowed (the longest wait among refusals), else the fewest units left, then the
 * longer reset.
 */
function mostConstraining(outcomes: readonly DescriptorOutcome[]): DescriptorOutcome {
  let best: DescriptorOutcome;
  for (const outcome of outcomes) {
    if (outcome === undefined) continue;
    if (best === undefined || tighter(outcome.decision, best.decision)) best = outcome;
  }
  return best;
}

function tighter(a: RateLimitDecision, b: RateLimitDecision): boolean {
  if (a.allowed !== b.allowed) return !a.allowed;
  if (!a.allowed) return a.retryAfterMs > b.retryAfterMs;
  return a.remaining < b.remaining || (a.remaining === b.remaining && a.resetMs > b.resetMs);
}

function headersOf(
  { decision, policy }: NonNullable<DescriptorOutcome>,
  options: Required<HeaderOptions>,
): HeaderValueMessage[] {
  // Lower case, as HTTP/2 carries names and Envoy keeps them: the same headers either way.
  return rateLimitHeaders(decision, options, policy).map(([key, value]) => ({ key: key.toLowerCase(), value }));
}
