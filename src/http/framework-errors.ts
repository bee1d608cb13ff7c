import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { CORRELATION_ID_HEADER } from '../logging/correlation-id.js';
import { invalidInputBody, type FieldError } from './error-body.js';

/** What Fastify's router refuses, as the field at fault and the status. */
const ROUTER_ERRORS: Readonly<Record<string, { readonly status: number; readonly error: FieldError }>> = {
  FST_ERR_BAD_URL: { status: 400, error: { field: 'path', reason: 'has a percent-escape that does not decode' } },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: { field: 'path', reason: 'has a segment too long for its route' } },
};

/**
 * Fastify's `frameworkErrors`: the requests its router refuses before any route, hook or Nest
 * filter runs (a path whose percent-escapes do not decode, a path parameter over
 * `maxParamLength`). Fastify's own answer has a body of another shape and no correlation id; this
 * gives them the service's error body, naming `path`, and the `X-Correlation-ID` every response
 * carries (the request id is the correlation id: see `correlationIdOf`).
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = ROUTER_ERRORS[error.code];
  reply.header(CORRELATION_ID_HEADER, request.id);
  // Any other (an async route constraint failing: the service declares none) as Fastify answers it.
  if (known === undefined) void reply.send(error);
  else void reply.code(known.status).send(invalidInputBody([known.error], known.status));
}
