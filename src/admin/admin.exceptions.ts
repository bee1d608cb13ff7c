import { HttpException, HttpStatus } from '@nestjs/common';

/** The body of an admin 401 or 403, in the service's one error shape. */
export interface AdminErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

/** A 401: no, a malformed, or a wrong admin token. The guard adds `WWW-Authenticate`. */
export function adminUnauthorized(message: string): HttpException {
  return withoutStack(() => body(HttpStatus.UNAUTHORIZED, 'Unauthorized', message));
}

/** A 403: a valid token without the access the route needs. */
export function adminForbidden(message: string): HttpException {
  return withoutStack(() => body(HttpStatus.FORBIDDEN, 'Forbidden', message));
}

function body(statusCode: number, error: string, message: string): HttpException {
  const response: AdminErrorBody = { statusCode, error, message };
  return new HttpException(response, statusCode);
}

// Failed authentication is the hot path under a brute-force attempt: skip the stack trace, which
// is most of the cost of an Error and says nothing about an expected refusal.
function withoutStack(create: () => HttpException): HttpException {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return create();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
