import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** The header a caller may send and every response carries. */
export const CORRELATION_ID_HEADER = 'X-Correlation-ID';

const HEADER_KEY = CORRELATION_ID_HEADER.toLowerCase();
const VALID_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether `value` is safe to echo and log as a correlation id: 1 to 128 of `[A-Za-z0-9._:-]`. */
export function isValidCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && VALID_CORRELATION_ID.test(value);
}

/**
 * The caller's correlation id when it is safe to echo and log (see `isValidCorrelationId`),
 * otherwise a fresh UUID: an invalid one is replaced, never trimmed or escaped.
 */
export function resolveCorrelationId(header: string | string[] | undefined): string {
  return isValidCorrelationId(header) ? header : randomUUID();
}

/**
 * Fastify's `genReqId`: the request id is the correlation id. It is the one id of a request:
 * middie copies it to the raw request, where pino-http takes it as `req.id`.
 */
export function correlationIdOf(req: IncomingMessage): string {
  return resolveCorrelationId(req.headers[HEADER_KEY]);
}

/**
 * Puts the correlation id on every response, before anything can answer: a reply header set in
 * the first hook, which every answer Fastify sends carries (404s, body errors, the guard's 429
 * included; a URL Fastify cannot route sets it itself: framework-errors.ts). Not `setHeader` on
 * the Node.js response: one header set there sends all of the reply's headers through
 * `setHeader`'s checks and merge in `writeHead` (the header-writing functions were 5.3-5.6% of
 * the busy samples on `/v1/check`, 3.6-3.8% after: BENCHMARKS.md, "Where a node's time goes").
 */
export function echoCorrelationId(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(CORRELATION_ID_HEADER, request.id);
    done();
  });
}
