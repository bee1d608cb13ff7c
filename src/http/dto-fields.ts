import { IsDefined, IsString, Length, Matches, ValidateIf } from 'class-validator';

/** Validate a field whenever it is given: `null` is a wrong type, not "absent". */
export const present = (_: object, value: unknown): boolean => value !== undefined;

/** Validate a field only when it is given and not `null` (where `null` clears it). */
export const given = (_: object, value: unknown): boolean => value !== undefined && value !== null;

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

/**
 * A string of `min` to `max` characters without control characters, with one reason for every way
 * it can be wrong. Optional unless `required`; with `nullable`, `null` is accepted (it clears the
 * field).
 *
 * @example
 * \@PlainText(1, 500, { required: true }) reason!: string;
 */
export function PlainText(
  min: number,
  max: number,
  { required = false, nullable = false }: { required?: boolean; nullable?: boolean } = {},
): PropertyDecorator {
  const reason = `must be a string of ${min === 0 ? `at most ${max}` : `${min} to ${max}`} characters without control characters${nullable ? ', or null' : ''}`;
  return (target, key) => {
    if (required) IsDefined({ message: 'is required' })(target, key);
    else ValidateIf(nullable ? given : present)(target, key);
    IsString({ message: reason })(target, key);
    Length(min, max, { message: reason })(target, key);
    Matches(NO_CONTROL_CHARACTERS, { message: reason })(target, key);
  };
}
