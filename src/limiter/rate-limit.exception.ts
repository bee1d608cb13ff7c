import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { CallerVerdict } from './caller-gate.js';
import type { RateLimitDecision } from './decision.js';

/** The JSON body of a refusal (429 or 503). */
export interface RateLimitRefusalBody {
  /** 429, or 503 when the store failed in fail-closed mode. */
  readonly statusCode: number;
  /** The status's reason phrase (`Too Many Requests`). */
  readonly error: string;
  /** For a person: what happened and when to retry. */
  readonly message: string;
  /** Milliseconds to wait before retrying (`Retry-After` carries the same, in seconds). */
  readonly retryAfterMs: number;
  /** The name of the policy that refused. */
  readonly rule: string;
}

/**
 * A refused request: 429 when over a limit (`limited`), 503 when the store failed in fail-closed
 * mode (`failed_closed`). Create it with `rateLimitException()`, which skips the stack trace.
 *
 * @publicApi
 */
export class RateLimitException extends HttpException {
  constructor(
    /** The refused decision: outcome, limits, and when to retry. */
    readonly decision: RateLimitDecision,
  ) {
    super(refusalBody(decision), refusalStatus(decision));
  }
}

/**
 * The exception for a refused decision, built without capturing a stack trace: a refusal is an
 * expected result, and under attack it is the hot path, so it must not cost more than a normal
 * response. (Capturing the stack is most of the cost of constructing an Error.)
 */
export function rateLimitException(decision: RateLimitDecision): RateLimitException {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new RateLimitException(decision);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function refusalStatus(decision: RateLimitDecision): number {
  return decision.outcome === 'failed_closed' ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.TOO_MANY_REQUESTS;
}

function refusalBody(decision: RateLimitDecision): RateLimitRefusalBody {
  const retryAfterMs = Math.max(0, Math.ceil(decision.retryAfterMs));
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  if (decision.outcome === 'failed_closed') {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: `Rate limiting is unavailable; retry in ${seconds} s`,
      retryAfterMs,
      rule: decision.rule,
    };
  }
  return {
    statusCode: HttpStatus.TOO_MANY_REQUESTS,
    error: 'Too Many Requests',
    message: `Rate limit exceeded; retry in ${seconds} s`,
    retryAfterMs,
    rule: decision.rule,
  };
}

/** The JSON body of a caller refused by the `CallerGate` (a block, an invalid API key). */
export interface CallerRefusalBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  /** `blocked` or `invalid_api_key`. */
  readonly reason: string;
  /** For blocks: when the block ends. */
  readonly retryAfterMs?: number;
}

/** A caller the `CallerGate` refused: 429 or 403 for a block, 401 for an invalid API key. */
export class CallerRefusedException extends HttpException {
  /** Retry-After or WWW-Authenticate, for an exception filter to send (the guard sets them itself). */
  readonly headers: readonly [string, string][];

  constructor(readonly verdict: Extract<CallerVerdict, { kind: 'refused' }>) {
    super(callerRefusalBody(verdict), verdict.status);
    this.headers = callerRefusalHeaders(verdict);
  }
}

/** As `rateLimitException()`: no stack trace, since a blocked caller may be hammering. */
export function callerRefusedException(verdict: Extract<CallerVerdict, { kind: 'refused' }>): CallerRefusedException {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new CallerRefusedException(verdict);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

export function callerRefusalBody(verdict: Extract<CallerVerdict, { kind: 'refused' }>): CallerRefusalBody {
  return {
    statusCode: verdict.status,
    error: STATUS_CODES[verdict.status] ?? 'Error',
    message: verdict.message,
    reason: verdict.reason,
    ...(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: Math.ceil(verdict.retryAfterMs) }),
  };
}

/** The headers of such a refusal: Retry-After for a block, WWW-Authenticate for an invalid key. */
export function callerRefusalHeaders(verdict: Extract<CallerVerdict, { kind: 'refused' }>): [string, string][] {
  if (verdict.status === 401) return [['WWW-Authenticate', 'ApiKey header="X-API-Key"']];
  if (verdict.retryAfterMs === undefined) return [];
  return [['Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)))]];
}
