import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { activeTraceId } from '../telemetry/index.js';
import { type ErrorBody, errorBody, invalidInputBody } from './error-body.js';

/** Fastify's body-parsing errors, answered with `field: "body"` and a reason a caller can act on. */
const BODY_ERRORS: Readonly<Record<string, { status: number; reason: string }>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 400, reason: 'must be sent as application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, reason: 'must be valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, reason: 'must not be empty' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, reason: 'does not match Content-Length' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, reason: 'is too large' },
};

/**
 * Answers every error in the one shape `{ statusCode, error, message }`:
 * - an `HttpException` whose body is an object (the limiter's 429/503, validation errors, Nest's
 *   own) is passed through unchanged; one with a string body is wrapped;
 * - Fastify's body errors (wrong content type, bad JSON, too large) get `field: "body"`;
 * - anything else is a 500 that says nothing about internals and is logged with the error.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toErrorResponse(exception);
    if (status >= 500 && !(exception instanceof HttpException)) {
      // The request it broke, named as its "request completed" line names it.
      const { id } = host.switchToHttp().getRequest<{ id?: unknown }>();
      const traceId = activeTraceId();
      this.logger.error(
        { err: exception, correlationId: id, ...(traceId === undefined ? {} : { traceId }) },
        'Unhandled error',
      );
    }
    const response: unknown = host.switchToHttp().getResponse();
    const adapter = this.adapterHost.httpAdapter;
    for (const [name, value] of headersOf(exception)) adapter.setHeader(response, name, value);
    adapter.reply(response, body, status);
  }
}

/** The status and body answering `exception`. */
export function toErrorResponse(exception: unknown): { status: number; body: ErrorBody | object } {
  if (!(exception instanceof HttpException)) return { status: 500, body: errorBody(500, 'Internal server error') };
  const bodyError = BODY_ERRORS[codeOf(exception.cause)];
  if (bodyError !== undefined) {
    const { status, reason } = bodyError;
    return { status, body: invalidInputBody([{ field: 'body', reason }], status) };
  }
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null) return { status, body: response };
  return { status, body: errorBody(status, String(response)) };
}

/** Headers an HTTP exception carries for its answer (`WWW-Authenticate`, `Retry-After`). */
function headersOf(exception: unknown): readonly (readonly [string, string])[] {
  if (!(exception instanceof HttpException)) return [];
  const { headers } = exception as HttpException & { headers?: unknown };
  return Array.isArray(headers) ? (headers as [string, string][]) : [];
}

function codeOf(cause: unknown): string {
  return typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
    ? cause.code
    : '';
}
