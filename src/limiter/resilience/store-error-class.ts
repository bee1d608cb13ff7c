import { BrokenCircuitError } from 'cockatiel';
import { ScriptReplyError } from '../store/redis/consume-reply.js';
import { StoreTimeoutError } from '../store/redis/deadline.js';

/**
 * Why a store call failed, in classes an operator acts on differently:
 * - `timeout`: Redis did not answer within the per-call timeout (slow or overloaded);
 * - `connection`: no usable connection (refused, reset, closed, a replica or a loading server);
 * - `script`: Redis answered, with an error or a reply the script never gives (a bug, a wrong
 *   script, a key of the wrong type);
 * - `other`: anything else;
 * - `circuit_open`: the store was not called at all, the circuit breaker is open.
 */
export type StoreErrorClass = 'timeout' | 'connection' | 'script' | 'other' | 'circuit_open';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
/** ioredis' own messages when it has no connection to send on (enableOfflineQueue is off). */
const CONNECTION_MESSAGES =
  /Connection is closed|Stream isn't writeable|max retries per request|None of startup nodes|Failed to refresh slots cache|ClusterAllFailed|connect /i;
/** Redis error replies that mean "this server cannot serve you now", not "your command is wrong". */
const UNAVAILABLE_REPLIES = /^(?:READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY) /;

/**
 * Classifies a store failure by the errors ioredis, Redis and the circuit breaker raise.
 *
 * @example
 * storeErrorClass(new Error('Command timed out')); // 'timeout'
 */
export function storeErrorClass(error: unknown): StoreErrorClass {
  if (error instanceof BrokenCircuitError) return 'circuit_open';
  if (!(error instanceof Error)) return 'other';
  if (error instanceof StoreTimeoutError || error.message === 'Command timed out') return 'timeout';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection';
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLIES.test(error.message) ? 'connection' : 'script';
  if (error instanceof ScriptReplyError) return 'script';
  if (error.name === 'MaxRetriesPerRequestError' || CONNECTION_MESSAGES.test(error.message)) return 'connection';
  return 'other';
}
