import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Length, Max, Min, ValidateIf } from 'class-validator';
import { present } from './dto-fields.js';

/** Page size of the admin list routes when none is asked for, and the largest one allowed. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const MAX_OFFSET = 1_000_000_000;

/** A page of a list route. */
export interface Page {
  readonly limit: number;
  readonly offset: number;
}

/*
 * The decorators of query parameters. A query string holds text only: each one reads its text
 * (`"20"`, `"true"`) into the value it checks, leaves anything else as it came for the check to
 * refuse, and documents the parameter from the same arguments. Unknown and repeated parameters are
 * refused by the validation pipe (`RequestValidationPipe`).
 */

/** An integer from `min` to `max` written in digits; `fallback` when absent. */
export function QueryInteger(min: number, max: number, fallback: number, description?: string): PropertyDecorator {
  const message = `must be an integer from ${min} to ${max}`;
  return (target, key) => {
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value,
    )(target, key);
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
    ApiPropertyOptional({ type: 'integer', minimum: min, maximum: max, default: fallback, description })(target, key);
  };
}

/** `true` or `false`. */
export function QueryBoolean(description?: string): PropertyDecorator {
  return (target, key) => {
    Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))(
      target,
      key,
    );
    ValidateIf(present)(target, key);
    IsBoolean({ message: 'must be true or false' })(target, key);
    ApiPropertyOptional({ type: 'boolean', description })(target, key);
  };
}

/** One of `values`. */
export function QueryOneOf(values: readonly string[], description?: string): PropertyDecorator {
  return (target, key) => {
    ValidateIf(present)(target, key);
    IsIn(values as string[], { message: `must be one of ${values.join(', ')}` })(target, key);
    ApiPropertyOptional({ type: 'string', enum: [...values], description })(target, key);
  };
}

/** Any text of 1 to `max` characters; with no `max`, any text at all. */
export function QueryText(max?: number, description?: string): PropertyDecorator {
  return (target, key) => {
    ValidateIf(present)(target, key);
    if (max === undefined) IsString({ message: 'must be text' })(target, key);
    else Length(1, max, { message: `must be 1 to ${max} characters` })(target, key);
    const length = max === undefined ? {} : { minLength: 1, maxLength: max };
    ApiPropertyOptional({ type: 'string', ...length, description })(target, key);
  };
}

/**
 * The query string of an admin list route: `limit` (1 to 100, default 20) and `offset`; a route's
 * filters are the properties of a class extending it, validated and documented by the decorators
 * above.
 *
 * @example
 * class BlockListQuery extends PageQuery {
 *   \@QueryOneOf(BLOCK_TYPES) type?: BlockType;
 * }
 * list(\@Query() query: BlockListQuery) { ... }
 */
export class PageQuery implements Page {
  @QueryInteger(1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, 'Page size')
  limit: number = DEFAULT_PAGE_SIZE;

  @QueryInteger(0, MAX_OFFSET, 0, 'How many to skip')
  offset: number = 0;
}
