import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';

/** Validate a field whenever it is given: `null` is a wrong type, not "absent". */
export const present = (_: object, value: unknown): boolean => value !== undefined;

/** Validate a field only when it is given and not `null` (where `null` clears it). */
export const given = (_: object, value: unknown): boolean => value !== undefined && value !== null;

/** What a field decorator cannot know of its field: told to the reader of the document only. */
export interface FieldDoc {
  readonly description?: string;
  readonly example?: unknown;
  readonly default?: unknown;
}

/** How present a field must be: required, optional, or optional and clearable with `null`. */
export interface Presence {
  readonly required?: boolean;
  readonly nullable?: boolean;
}

/** "is required" when absent (or `null`), else checked only when given (and not `null` when `nullable`). */
function presence({ required = false, nullable = false }: Presence): PropertyDecorator {
  if (required) return IsDefined({ message: 'is required' });
  return ValidateIf(nullable ? given : present);
}

/**
 * The field's entry in the OpenAPI document, from the same arguments its checks are built from:
 * the decorators below describe what they validate, so nothing is written twice.
 */
export function Documented(
  schema: Record<string, unknown>,
  { required = false, nullable = false }: Presence,
  doc: FieldDoc = {},
): PropertyDecorator {
  return ApiProperty({ ...schema, required, ...(nullable ? { nullable: true } : {}), ...doc } as never);
}

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/**
 * A string of `min` to `max` characters without control characters, with one reason for every way
 * it can be wrong. Optional unless `required`; with `nullable`, `null` is accepted (it clears the
 * field).
 *
 * @example
 * \@PlainText(1, 500, { required: true }) reason!: string;
 */
export function PlainText(min: number, max: number, options: Presence & FieldDoc = {}): PropertyDecorator {
  const { required, nullable, ...doc } = options;
  const reason = `must be a string of ${min === 0 ? `at most ${max}` : `${min} to ${max}`} characters without control characters${nullable ? ', or null' : ''}`;
  return (target, key) => {
    presence(options)(target, key);
    IsString({ message: reason })(target, key);
    Length(min, max, { message: reason })(target, key);
    Matches(NO_CONTROL_CHARACTERS, { message: reason })(target, key);
    const length = min === 0 ? { maxLength: max } : { minLength: min, maxLength: max };
    Documented({ type: 'string', ...length }, { required, nullable }, doc)(target, key);
  };
}

/**
 * One of `values`, else "must be one of a, b, c".
 *
 * @example
 * \@OneOf(BLOCK_TYPES, { required: true }) type!: BlockType;
 */
export function OneOf(values: readonly string[], options: Presence & FieldDoc = {}): PropertyDecorator {
  const { required, nullable, ...doc } = options;
  return (target, key) => {
    presence(options)(target, key);
    IsIn(values as string[], { message: `must be one of ${values.join(', ')}` })(target, key);
    Documented({ type: 'string', enum: [...values] }, { required, nullable }, doc)(target, key);
  };
}

/** An integer from `min` to `max`; `unit` is named in the reason (`(ms)`). */
export function IntegerField(
  min: number,
  max: number,
  options: Presence & FieldDoc & { unit?: string } = {},
): PropertyDecorator {
  const { required, nullable, unit, ...doc } = options;
  const message = `must be an integer from ${min} to ${max}${unit === undefined ? '' : ` (${unit})`}`;
  return (target, key) => {
    presence(options)(target, key);
    IsInt({ message })(target, key);
    Min(min, { message })(target, key);
    Max(max, { message })(target, key);
    Documented({ type: 'integer', minimum: min, maximum: max }, { required, nullable }, doc)(target, key);
  };
}
