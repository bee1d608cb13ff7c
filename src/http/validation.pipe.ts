import { type ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { type FieldError, invalidInputBody } from './error-body.js';
import { OBJECT_PROTOTYPE_KEYS } from './reserved-keys.js';
import { unstorableInput } from './storable-input.js';

/**
 * When several constraints of one field fail, the reason shown is the first of these that failed
 * (a missing field is "is required", not "must be a string").
 */
const REASON_PRIORITY = ['isDefined', 'whitelistValidation'];

/**
 * Keys class-transformer drops without a word (and crashes on when nested), and the names of
 * `Object.prototype`'s members (`toString`, `valueOf`, ...), which class-validator's whitelist
 * mistakes for declared fields (it looks them up in a plain object): refused here like any other
 * unknown field. (`__proto__` never gets this far: Fastify's JSON parser refuses it.)
 */
const RESERVED_KEYS = [...new Set(['constructor', 'prototype', '__proto__', ...OBJECT_PROTOTYPE_KEYS])];
const RESERVED = new Set(RESERVED_KEYS);

/**
 * The global validation pipe: whitelist + forbidNonWhitelisted, no implicit conversion (`"5"` is
 * not a number), and every failure answered in the one error shape with `field` and `reason`.
 * A body that is not a JSON object (an array, a string, `null`, nothing) is refused as `body`.
 * Before anything else, every body and query (those validated by hand too) is refused when it
 * nests too deep or holds a string Postgres cannot store (`unstorableInput`). A query validated by
 * a class (`PageQueryDto` and its kind) names each parameter given more than once.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors) => new BadRequestException(invalidInputBody(toFieldErrors(errors))),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') refuseUnfitInput(value);
    if (metadata.type === 'body' && isClass(metadata.metatype) && !isPlainObject(value)) {
      throw new BadRequestException(invalidInputBody([{ field: 'body', reason: 'must be a JSON object' }]));
    }
    if (metadata.type === 'query' && isClass(metadata.metatype) && isPlainObject(value)) {
      // A parameter given twice arrives as an array: which one was meant cannot be told.
      const repeated = Object.keys(value).filter((key) => Array.isArray(value[key]));
      if (repeated.length > 0) {
        throw new BadRequestException(
          invalidInputBody(repeated.map((field) => ({ field, reason: 'must be given once' }))),
        );
      }
    }
    // Nothing for class-validator (a body typed by an interface and checked by its schema, a
    // primitive): what the base pipe answers then, without a second async call per parameter.
    if (!metadata.metatype || !this.toValidate(metadata)) return this.transformPrimitive(value, metadata);
    return super.transform(value, metadata);
  }
}

/**
 * Whether `value` has an own key of RESERVED_KEYS: its own few keys looked up, rather than each of
 * the thirty-odd reserved ones in it (this runs for every body and query).
 */
function hasReservedKey(value: object): boolean {
  for (const key of Object.getOwnPropertyNames(value)) if (RESERVED.has(key)) return true;
  return false;
}

/**
 * What this pipe refuses in every body and query before anything else looks at it: a string
 * Postgres cannot store or too deep a nesting (`unstorableInput`), then a key of RESERVED_KEYS in
 * an object. A handler that reads its body without a `@Body()` parameter calls it itself.
 */
export function refuseUnfitInput(value: unknown): void {
  const unstorable = unstorableInput(value);
  if (unstorable !== undefined) throw new BadRequestException(invalidInputBody([unstorable]));
  if (isPlainObject(value) && hasReservedKey(value)) {
    const reserved = RESERVED_KEYS.filter((key) => Object.hasOwn(value, key));
    throw new BadRequestException(invalidInputBody(reserved.map((field) => ({ field, reason: 'is not allowed' }))));
  }
}

function isClass(metatype: unknown): boolean {
  return typeof metatype === 'function' && ![String, Boolean, Number, Array, Object].includes(metatype as never);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Flattens class-validator's tree into `{ field, reason }`, nested fields as `a.b`. */
export function toFieldErrors(errors: readonly ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const constraints = error.constraints ?? {};
    const names = Object.keys(constraints);
    if (names.length > 0) {
      const name = REASON_PRIORITY.find((n) => n in constraints) ?? names[0]!;
      result.push({ field: field || 'body', reason: reasonOf(name, constraints[name]!) });
    }
    if (error.children?.length) result.push(...toFieldErrors(error.children, field));
  }
  return result;
}

function reasonOf(constraint: string, message: string): string {
  // class-validator's own whitelist message is "property x should not exist".
  return constraint === 'whitelistValidation' ? 'is not allowed' : message;
}
