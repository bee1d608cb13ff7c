import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** One offending input: where it is (`clientId`, `body`, `meta.name`) and what is wrong with it. */
export class FieldError {
  @ApiProperty({ example: 'cost' })
  readonly field!: string;

  @ApiProperty({ example: 'must be an integer from 0 to 1000000' })
  readonly reason!: string;
}

/**
 * The one body of every 4xx/5xx response. Validation failures add the first offending field at the
 * top (`field`, `reason`) and all of them in `errors`.
 *
 * @example
 * { "statusCode": 400, "error": "Bad Request", "message": "cost: must be an integer from 0 to 1000000",
 *   "field": "cost", "reason": "must be an integer from 0 to 1000000",
 *   "errors": [{ "field": "cost", "reason": "must be an integer from 0 to 1000000" }] }
 */
export class ErrorBody {
  @ApiProperty({ type: 'integer', example: 400 })
  readonly statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  readonly error!: string;

  @ApiProperty({ example: 'cost: must be an integer from 0 to 1000000' })
  readonly message!: string;

  @ApiPropertyOptional({ description: 'Invalid input: the first offending field' })
  readonly field?: string;

  @ApiPropertyOptional({ description: 'Invalid input: what is wrong with it' })
  readonly reason?: string;

  @ApiPropertyOptional({ type: () => [FieldError], description: 'Invalid input: every offending field (at most 20)' })
  readonly errors?: readonly FieldError[];
}

/** The error body for `status`; with field errors, the first one also gives the message. */
export function errorBody(status: number, message: string, fieldErrors: readonly FieldError[] = []): ErrorBody {
  const error = STATUS_CODES[status] ?? 'Error';
  const first = fieldErrors[0];
  if (first === undefined) return { statusCode: status, error, message };
  return { statusCode: status, error, message, field: first.field, reason: first.reason, errors: fieldErrors };
}

/**
 * The most field errors one answer lists: a body of thousands of unknown keys gets a short answer
 * (the first of them), not one larger than itself.
 */
export const MAX_LISTED_ERRORS = 20;

/**
 * One field error as a sentence, the field set apart from its reason (`clientId: give exactly one
 * of clientId and ip`): reasons are written to follow their field, and some ("give ...", "is ...")
 * read wrong glued to it.
 */
export function fieldErrorMessage({ field, reason }: FieldError): string {
  return `${field}: ${reason}`;
}

/**
 * A 400 (or `status`) naming the offending fields (the first `MAX_LISTED_ERRORS`); the message is
 * the first field and its reason (`fieldErrorMessage`).
 */
export function invalidInputBody(fieldErrors: readonly FieldError[], status = 400): ErrorBody {
  const first = fieldErrors[0]!;
  return errorBody(status, fieldErrorMessage(first), fieldErrors.slice(0, MAX_LISTED_ERRORS));
}
