import { HttpException, HttpStatus } from '@nestjs/common';
import type { RateLimitDecision } from './decision.js';

/** The JSON body of a refusal (429 or 503). */
export interface RateLimitRefusalBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
  readonly retryAfterMs: number;
  /** The name of the policy that refused. */
  readonly rule: string;
}

/**
 * A refused request: 429 when over a limit (`limited`), 503 when the store failed in fail-closed
 * mode (`failed_closed`). Create it with `rateLimitException()`, which skips the stack trace.
 */
export class RateLimitException extends HttpException {
  constructor(readonly decision: RateLimitDecision) {
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
