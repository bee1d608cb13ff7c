import { ServiceUnavailableException } from '@nestjs/common';
import { storeErrorClass } from '../limiter/resilience/store-error-class.js';
import { errorBody } from './error-body.js';

/**
 * The Retry-After of an admin answer that needed Redis and did not get it: the limiter's circuit
 * breaker lets a probe through 500 ms after it opened, and a fail-closed refusal says 1 s too.
 */
export const STORE_RETRY_AFTER_SECONDS = 1;

/** 503: Redis (the rate-limit store, the node registry, the over-limit board) did not answer. */
export class StoreUnavailableException extends ServiceUnavailableException {
  readonly headers: readonly (readonly [string, string])[] = [['Retry-After', String(STORE_RETRY_AFTER_SECONDS)]];

  constructor(what: string, error: unknown) {
    super(errorBody(503, `${what} did not answer: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/**
 * `error` as a 503 when it says Redis could not be reached or did not answer in time (the
 * limiter's classes `timeout`, `connection` and `circuit_open`); anything else unchanged (a bug
 * stays a 500, logged).
 *
 * @example
 * try { return await board.page(now, offset, limit); } catch (error) { throw redisOutage('the over-limit board', error); }
 */
export function redisOutage(what: string, error: unknown): unknown {
  const errorClass = storeErrorClass(error);
  return errorClass === 'timeout' || errorClass === 'connection' || errorClass === 'circuit_open'
    ? new StoreUnavailableException(what, error)
    : error;
}
