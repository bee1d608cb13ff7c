import type { LimitSpec } from '../../algorithms.js';
import type { ConsumeResult, LimitStatus } from '../rate-limit.store.js';

/** A consume script answered something other than its documented reply: a store failure. */
export class ScriptReplyError extends Error {
  override readonly name = 'ScriptReplyError';
}

/** Fixed head of every script's reply: allowed, nowMs, retryAfterMs; then 2 integers per limit. */
const HEAD = 3;

/**
 * Checks a consume script's reply (`{allowed, nowMs, retryAfterMs, remaining_1, resetMs_1, ...}`)
 * and turns it into a `ConsumeResult`. Anything else (a wrong script, a proxy mangling replies, a
 * version mismatch) throws: a store failure, never a silently wrong decision.
 */
export function parseConsumeReply(reply: unknown, limits: readonly LimitSpec[]): ConsumeResult {
  const expected = HEAD + 2 * limits.length;
  if (!Array.isArray(reply) || reply.length !== expected) {
    throw new ScriptReplyError(
      `Unexpected rate-limit script reply: expected an array of ${expected} integers, got ${describe(reply)}`,
    );
  }
  for (let i = 0; i < expected; i++) {
    const value: unknown = reply[i];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ScriptReplyError(
        `Unexpected rate-limit script reply: element ${i} is ${describe(value)}, not an integer >= 0`,
      );
    }
  }
  const allowed = reply[0] as number;
  if (allowed !== 0 && allowed !== 1) {
    throw new ScriptReplyError(`Unexpected rate-limit script reply: allowed is ${allowed}, not 0 or 1`);
  }
  const statuses: LimitStatus[] = new Array(limits.length);
  for (let i = 0; i < limits.length; i++) {
    const spec = limits[i]!;
    statuses[i] = {
      limit: spec.limit,
      windowMs: spec.windowMs,
      remaining: reply[HEAD + 2 * i] as number,
      resetMs: reply[HEAD + 2 * i + 1] as number,
    };
  }
  return { allowed: allowed === 1, nowMs: reply[1] as number, retryAfterMs: reply[2] as number, limits: statuses };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 80))}`;
  return `${typeof value} ${String(value)}`;
}
