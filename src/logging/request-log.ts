import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Level, Logger } from 'pino';
import { activeTraceId } from '../telemetry/index.js';

/** Query parameters that may carry a credential: their values never reach a log line. */
export const REDACTED_QUERY_PARAMETERS = ['token', 'access_token', 'authorization', 'api_key', 'apikey', 'key'];

const REDACTED = '[redacted]';
const SECRET_PARAMETER = new RegExp(`([?&](?:${REDACTED_QUERY_PARAMETERS.join('|')})=)[^&#]*`, 'gi');

/**
 * A request's "request completed" line's level: a 429 is the limiter working (under an attack
 * nearly every request is one) and goes to debug, the limiter logs refusals itself, folded per
 * rule; a 5xx is an error.
 */
export function requestLogLevel(statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  return statusCode === 429 ? 'debug' : 'info';
}

/** `url` with the values of `REDACTED_QUERY_PARAMETERS` replaced. */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_PARAMETER, `$1${REDACTED}`) : url;
}

/**
 * Writes one "request completed" line per request from Fastify's `onResponse` hook, with the
 * request's `correlationId` (its Fastify id) and, when traced, its `traceId`. Nothing is built for
 * a line below the logger's level: a node at `warn` does no logging work per answered request.
 * Credentials never appear: the logger redacts the headers that carry them (`REDACTED_HEADERS`),
 * this redacts the query parameters that might.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = requestLogLevel(reply.statusCode);
    if (logger.isLevelEnabled(level)) logger[level](requestLine(request, reply), 'request completed');
    done();
  });
}

/**
 * The line's fields. `req` and `res` go through the logger's request and response serializers
 * (pino's standard ones, as nestjs-pino sets them up), so the line has the shape pino-http lines
 * have; `req` is the Fastify request's parts with the secrets taken out of its URL and query.
 */
function requestLine(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const traceId = activeTraceId();
  return {
    correlationId: request.id,
    ...(traceId === undefined ? {} : { traceId }),
    req: {
      id: request.id,
      method: request.method,
      url: redactUrl(request.url),
      query: redactQuery(request.query),
      params: request.params,
      headers: request.headers,
      socket: request.socket,
    },
    res: reply.raw,
    responseTime: reply.elapsedTime,
  };
}

/** A parsed query with the values of `REDACTED_QUERY_PARAMETERS` replaced (the same object when none is there). */
function redactQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  const secret = Object.keys(query).filter((key) => REDACTED_QUERY_PARAMETERS.includes(key.toLowerCase()));
  if (secret.length === 0) return query;
  return { ...query, ...Object.fromEntries(secret.map((key) => [key, REDACTED])) };
}
