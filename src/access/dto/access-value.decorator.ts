import { ValidateBy } from 'class-validator';
import type { AllowType } from '../access-lists.js';
import { accessValue } from '../access-value.js';

/** Validates `value` for the `type` field of the same body (an unknown type is that field's error). */
export function AccessValue(types: readonly AllowType[]): PropertyDecorator {
  const reasonOf = (type: unknown, value: unknown): string | undefined => {
    if (!(types as readonly unknown[]).includes(type)) return undefined;
    const checked = accessValue(type as AllowType, value);
    return 'reason' in checked ? checked.reason : undefined;
  };
  return ValidateBy({
    name: 'accessValue',
    validator: {
      validate: (value, args) => reasonOf((args?.object as { type?: unknown }).type, value) === undefined,
      defaultMessage: (args) => reasonOf((args?.object as { type?: unknown }).type, args?.value) ?? 'is invalid',
    },
  });
}
