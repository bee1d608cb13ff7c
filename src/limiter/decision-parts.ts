import { MAX_LIMITS } from './algorithms.js';
import type { RateLimitPolicy } from './policy/rate-limit-policy.js';

/**
 * One of the decisions `RateLimiter.consumeAll` makes together: a policy and who it counts.
 *
 * @example
 * { policy: perUser, identity: 'user=alice' }
 *
 * @publicApi
 */
export interface DecisionPart {
  /** The policy this part is decided by; its name and `identity` name its counters. */
  readonly policy: RateLimitPolicy;
  /** The caller under this policy (hashed before it reaches the store, as `consume`'s). */
  readonly identity: string;
}

/** Parts decided by one store call: one algorithm, at most MAX_LIMITS limits in all. */
export interface PartChunk {
  /** Indexes into the distinct parts, in order. */
  readonly parts: readonly number[];
  /** Whether these are a shadow part (alone: a shadow policy must never refuse anyone else). */
  readonly shadow: boolean;
}

/**
 * The parts that are not a repeat of an earlier one (same policy name and identity: the same
 * counters, which one consume cannot name twice), and for each part the index of its distinct part.
 */
export function distinctParts(parts: readonly DecisionPart[]): {
  readonly distinct: readonly DecisionPart[];
  readonly indexOf: readonly number[];
} {
  const seen = new Map<string, number>();
  const distinct: DecisionPart[] = [];
  const indexOf = parts.map((part) => {
    const id = `${part.policy.name}\0${part.identity}`;
    let index = seen.get(id);
    if (index === undefined) {
      index = distinct.push(part) - 1;
      seen.set(id, index);
    }
    return index;
  });
  return { distinct, indexOf };
}

/**
 * Packs the parts into as few store calls as the store allows: one script runs one algorithm over
 * at most MAX_LIMITS limits, so the parts of one algorithm go together while their limits fit, in
 * order (the usual request, every policy of one algorithm and a few limits, is one call). Each
 * shadow part is a call of its own.
 */
export function chunkParts(parts: readonly DecisionPart[]): PartChunk[] {
  const chunks: PartChunk[] = [];
  const open = new Map<string, { parts: number[]; limits: number }>();
  parts.forEach(({ policy }, index) => {
    if (policy.shadow) {
      chunks.push({ parts: [index], shadow: true });
      return;
    }
    const filling = open.get(policy.algorithm);
    if (filling !== undefined && filling.limits + policy.limits.length <= MAX_LIMITS) {
      filling.parts.push(index);
      filling.limits += policy.limits.length;
      return;
    }
    const chunk = { parts: [index], limits: policy.limits.length };
    open.set(policy.algorithm, chunk);
    chunks.push({ parts: chunk.parts, shadow: false });
  });
  return chunks;
}
