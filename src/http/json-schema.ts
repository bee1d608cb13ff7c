import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FieldError } from './error-body.js';

/**
 * The JSON schemas request bodies are checked with and documented by (the OpenAPI document shows
 * the same objects): `type`, `properties`, `required`, `additionalProperties`, string lengths,
 * integer bounds, `format: "ip"`, `default` and the annotations `description` and `example`.
 */
export interface BodySchema {
  readonly type: 'object';
  readonly additionalProperties: false;
  readonly required: readonly string[];
  readonly properties: Readonly<Record<string, PropertySchema>>;
  readonly description?: string;
}

export interface PropertySchema {
  readonly type: 'string' | 'integer' | 'boolean';
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  /** `ip`: an IPv4 or IPv6 address, as `net.isIP` reads one. */
  readonly format?: 'ip';
  readonly default?: string | number | boolean;
  readonly description?: string;
  readonly example?: string | number | boolean;
}

/** A compiled body check: the body (defaults applied) or every offending field, in body order. */
export type BodyCheck<T> = (
  body: unknown,
) => { readonly value: T; readonly errors?: undefined } | { readonly errors: FieldError[] };

/**
 * One Ajv for every body schema: no type coercion (`"5"` is not a number), every error reported
 * (a caller fixes them all at once), defaults applied. Strict, so an unknown keyword in a schema
 * fails at startup rather than letting anything through.
 */
export const BODY_SCHEMA_OPTIONS: Options = {
  allErrors: true,
  coerceTypes: false,
  useDefaults: true,
  removeAdditional: false,
  strict: true,
  keywords: ['example'],
  formats: { ip: (value: string) => isIP(value) !== 0 },
};

/**
 * Checking a schema against the JSON Schema meta-schema first compiles the meta-schema: 45 ms of
 * every start (measured on the build), for schemas that `BodySchema` already types and that
 * json-schema.spec.ts checks against the meta-schema.
 */
const ajv = new Ajv({ ...BODY_SCHEMA_OPTIONS, validateSchema: false });

/**
 * Compiles `schema` once; the returned check runs on every request. Reasons are said the way the
 * rest of the API says them, from the schema itself (`must be a string of 1 to 256 characters`),
 * so the documented bounds and the reported ones cannot drift apart.
 *
 * @example
 * const check = compileBodySchema<CheckRequest>(CHECK_REQUEST_SCHEMA);
 * const result = check(request.body);
 * if (result.errors) throw new BadRequestException(invalidInputBody(result.errors));
 */
export function compileBodySchema<T>(schema: BodySchema): BodyCheck<T> {
  const validate: ValidateFunction = ajv.compile(schema);
  return (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { errors: [{ field: 'body', reason: 'must be a JSON object' }] };
    }
    if (validate(body)) return { value: body as T };
    return { errors: fieldErrors(validate.errors ?? [], schema, body as Record<string, unknown>) };
  };
}

/** One error per field, in the order the properties are declared, unknown fields after them. */
function fieldErrors(
  errors: readonly ErrorObject[],
  schema: BodySchema,
  body: Readonly<Record<string, unknown>>,
): FieldError[] {
  const byField = new Map<string, string>();
  for (const error of errors) {
    const field = fieldOf(error);
    if (byField.has(field)) continue;
    if (error.keyword === 'additionalProperties') byField.set(field, 'is not allowed');
    else if (error.keyword === 'required') byField.set(field, 'is required');
    else if (schema.required.includes(field) && body[field] === null) byField.set(field, 'is required');
    else byField.set(field, reasonOf(Object.hasOwn(schema.properties, field) ? schema.properties[field] : undefined));
  }
  const declared = Object.keys(schema.properties).filter((field) => byField.has(field));
  // Own properties only: a body field named `toString` is unknown, not Object.prototype's.
  const unknown = [...byField.keys()].filter((field) => !Object.hasOwn(schema.properties, field));
  return [...declared, ...unknown].map((field) => ({ field, reason: byField.get(field)! }));
}

function fieldOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required') return params.missingProperty!;
  if (error.keyword === 'additionalProperties') return params.additionalProperty!;
  // Flat bodies: `/clientId` is the field.
  return error.instancePath.slice(1).split('/')[0] || 'body';
}

/** What a property must be, read off its schema. */
export function reasonOf(property: PropertySchema | undefined): string {
  if (property === undefined) return 'is not allowed';
  if (property.format === 'ip') return 'must be an IPv4 or IPv6 address';
  if (property.type === 'string') {
    const { minLength = 0, maxLength } = property;
    if (maxLength === undefined)
      return minLength > 0 ? `must be a string of at least ${minLength} characters` : 'must be a string';
    return minLength === 0
      ? `must be a string of at most ${maxLength} characters`
      : `must be a string of ${minLength} to ${maxLength} characters`;
  }
  if (property.type === 'integer') {
    const { minimum, maximum } = property;
    if (minimum !== undefined && maximum !== undefined) return `must be an integer from ${minimum} to ${maximum}`;
    if (minimum !== undefined) return `must be an integer >= ${minimum}`;
    if (maximum !== undefined) return `must be an integer <= ${maximum}`;
    return 'must be an integer';
  }
  return 'must be a boolean';
}
