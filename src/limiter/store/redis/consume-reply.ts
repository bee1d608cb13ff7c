import type { LimitSpec } from '../../algorithms.js';
import type { ConsumeResult, LimitStatus } from '../rate-limit.store.js';

/** A consume script answered something other than its documented reply: a store failure. */
export class ScriptReplyError extends Error {
  override readonly name = 'ScriptReplyError';
}

/** Fixed head of every script's reply: allowed, nowMs, retryAfterMs; then 2 integers per limit. */
const HEAD = 3;

/**
 * Checks a consume script's reply (`{allowed, nowMs, retryAfterMs, remaining_1, resetMs_1, ...}`,
 * then `blockedUntilMs` when the consume carried a penalty) and turns it into a `ConsumeResult`.
 * Anything else (a wrong script, a proxy mangling replies, a version mismatch) throws: a store
 * failure, never a silently wrong decision.
 */
export function parseConsumeReply(reply: unknown, limits: readonly LimitSpec[], penalized = false): ConsumeResult {
  const expected = consumeReplyLength(limits.length, penalized);
  checkIntegers(reply, expected, 'rate-limit script');
  const values = reply as number[];
  const allowed = values[0]!;
  if (allowed !== 0 && allowed !== 1) {
    throw new ScriptReplyError(`Unexpected rate-limit script reply: allowed is ${allowed}, not 0 or 1`);
  }
  const statuses: LimitStatus[] = new Array(limits.length);
  for (let i = 0; i < limits.length; i++) {
    const spec = limits[i]!;
    statuses[i] = {
      limit: spec.limit,
      windowMs: spec.windowMs,
      remaining: values[HEAD + 2 * i]!,
      resetMs: values[HEAD + 2 * i + 1]!,
    };
  }
  const result = { allowed: allowed === 1, nowMs: values[1]!, retryAfterMs: values[2]!, limits: statuses };
  // Only a penalized consume has the field, and only a blocked caller gets it set.
  const blockedUntil = penalized ? values[expected - 1]! : 0;
  return blockedUntil > 0 ? { ...result, blockedUntil } : result;
}

/** The length of a consume script's reply over `limits` limits (see parseConsumeReply). */
export function consumeReplyLength(limits: number, penalized: boolean): number {
  return HEAD + 2 * limits + (penalized ? 1 : 0);
}

/**
 * Splits a batch script's reply (every consume's reply one after another in one array, see
 * batch.lua) into one reply per consume, of the given `lengths`, for parseConsumeReply to check
 * each. A reply of another length than their sum (the wrong script, a mangled reply) throws.
 */
export function splitBatchReply(reply: unknown, lengths: readonly number[]): unknown[][] {
  let total = 0;
  for (const length of lengths) total += length;
  if (!Array.isArray(reply) || reply.length !== total) {
    throw new ScriptReplyError(
      `Unexpected batch script reply: expected an array of ${total} integers for ${lengths.length} consumes, got ${describe(reply)}`,
    );
  }
  const replies: unknown[][] = new Array(lengths.length);
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    replies[i] = reply.slice(at, at + lengths[i]!);
    at += lengths[i]!;
  }
  return replies;
}

/** Checks a refund script's reply: how many of `limits` limits got units back. */
export function parseRefundReply(reply: unknown, limits: number): number {
  if (typeof reply !== 'number' || !Number.isSafeInteger(reply) || reply < 0 || reply > limits) {
    throw new ScriptReplyError(
      `Unexpected refund script reply: expected an integer from 0 to ${limits}, got ${describe(reply)}`,
    );
  }
  return reply;
}

/** Checks the release script's reply: 1 when a live lease was freed, else 0. */
export function parseReleaseReply(reply: unknown): boolean {
  if (reply !== 0 && reply !== 1) {
    throw new ScriptReplyError(`Unexpected release script reply: expected 0 or 1, got ${describe(reply)}`);
  }
  return reply === 1;
}

function checkIntegers(reply: unknown, expected: number, what: string): void {
  if (!Array.isArray(reply) || reply.length !== expected) {
    throw new ScriptReplyError(
      `Unexpected ${what} reply: expected an array of ${expected} integers, got ${describe(reply)}`,
    );
  }
  for (let i = 0; i < expected; i++) {
    const value: unknown = reply[i];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ScriptReplyError(`Unexpected ${what} reply: element ${i} is ${describe(value)}, not an integer >= 0`);
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 80))}`;
  return `${typeof value} ${String(value)}`;
}
