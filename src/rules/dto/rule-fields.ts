import { plainToInstance, Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ALGORITHMS, MAX_LIMITS } from '../../limiter/algorithms.js';
import { MAX_PENALTY_MS } from '../../limiter/policy/penalty.js';
import type { CountOnly } from '../../limiter/rate-limit.options.js';
import { Documented, type FieldDoc, given, present } from '../../http/dto-fields.js';
import { MAX_DESCRIPTOR_ENTRIES, MAX_PRIORITY, RULE_NAME_PATTERN } from '../rule.js';

/** The reason given for anything that should be an object and is not (`match`, `limits[2]`). */
export const NOT_AN_OBJECT = 'must be an object';

type Decorator = (target: object, key: string) => void;

/** Several property decorators as one, applied in the order given. */
function all(...decorators: readonly PropertyDecorator[]): Decorator {
  return (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };
}

/** Required fields say "is required" when absent or `null`; optional ones are checked only when present. */
function presence(required: boolean): PropertyDecorator {
  return required ? IsDefined({ message: 'is required' }) : ValidateIf(present);
}

/**
 * An optional field a `PATCH` may set to `null` to remove it (a JSON merge patch's removal): checked
 * only when present and not `null`. Elsewhere `null` stays a wrong type.
 */
function removable(nullable: boolean): PropertyDecorator {
  return nullable ? ValidateIf(given) : presence(false);
}

/** A JSON object: not `null`, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns a plain object into `type` and leaves anything else as it is, for validation to refuse.
 * (`@Type()` would also turn arrays into arrays of `type`, so `[[{...}]]` would pass as a limit.)
 */
function instanceOf(type: new () => object): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (isPlainObject(value) ? plainToInstance(type, value) : value), {
    toClassOnly: true,
  });
}

function instancesOf(type: new () => object): PropertyDecorator {
  return Transform(
    ({ value }: { value: unknown }) =>
      Array.isArray(value) ? value.map((item) => (isPlainObject(item) ? plainToInstance(type, item) : item)) : value,
    { toClassOnly: true },
  );
}

/** A string of `min` to `max` characters, with the one reason used for every way it can be wrong. */
export function BoundedString(required: boolean, min: number, max: number, doc?: FieldDoc): Decorator {
  const message =
    min === 0 ? `must be a string of at most ${max} characters` : `must be a string of ${min} to ${max} characters`;
  const length = min === 0 ? { maxLength: max } : { minLength: min, maxLength: max };
  return all(
    presence(required),
    IsString({ message }),
    Length(min, max, { message }),
    Documented({ type: 'string', ...length }, { required }, doc),
  );
}

/** An integer in `[min, max]`. */
export function Integer(required: boolean, min: number, max: number, doc?: FieldDoc): Decorator {
  const message = `must be an integer from ${min} to ${max}`;
  return all(
    presence(required),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
    Documented({ type: 'integer', minimum: min, maximum: max }, { required }, doc),
  );
}

/** An optional boolean (`"true"` and `1` are not booleans). */
export function BooleanField(doc?: FieldDoc): Decorator {
  return all(presence(false), IsBoolean({ message: 'must be a boolean' }), Documented({ type: 'boolean' }, {}, doc));
}

const NAME = `must be 1 to 64 characters of [a-z0-9._-], starting with [a-z0-9]`;

/** A rule's name: the counters' namespace, so it is kept short and plain (`RULE_NAME_PATTERN`). */
export function RuleName(required: boolean): Decorator {
  return all(
    presence(required),
    IsString({ message: NAME }),
    Matches(RULE_NAME_PATTERN, { message: NAME }),
    Documented({ type: 'string', pattern: RULE_NAME_PATTERN.source }, { required }),
  );
}

const SELECTORS = ['resource', 'tier', 'clientId', 'domain'] as const;

/**
 * The rule's `match`: an object naming at least one selector (a catch-all is `resource: "*"`, said
 * out loud). `descriptors` is not one on its own: it needs `domain`.
 */
export function MatchField(required: boolean, type: new () => object, doc?: FieldDoc): Decorator {
  return all(
    presence(required),
    instanceOf(type),
    IsObject({ message: NOT_AN_OBJECT }),
    ValidateNested(),
    ValidateBy({
      name: 'namesSelector',
      validator: {
        validate: (value: unknown) => !isPlainObject(value) || SELECTORS.some((s) => value[s] !== undefined),
        defaultMessage: () => `must name at least one of ${SELECTORS.join(', ')}`,
      },
    }),
    Documented({ type: () => type }, { required }, doc),
  );
}

/** `match.descriptors`: 1 to `MAX_DESCRIPTOR_ENTRIES` entry objects (items checked by `validateRuleBody`). */
export function DescriptorsField(type: new () => object, doc?: FieldDoc): Decorator {
  const message = `must be an array of 1 to ${MAX_DESCRIPTOR_ENTRIES} entries`;
  return all(
    presence(false),
    instancesOf(type),
    IsArray({ message }),
    ArrayMinSize(1, { message }),
    ArrayMaxSize(MAX_DESCRIPTOR_ENTRIES, { message }),
    ValidateNested(),
    Documented({ type: () => [type], minItems: 1, maxItems: MAX_DESCRIPTOR_ENTRIES }, {}, doc),
  );
}

/** One of the limiter's `ALGORITHMS`. */
export function AlgorithmField(doc?: FieldDoc): Decorator {
  return all(
    presence(false),
    IsIn(ALGORITHMS, { message: `must be one of ${ALGORITHMS.join(', ')}` }),
    Documented({ type: 'string', enum: [...ALGORITHMS] }, {}, doc),
  );
}

/** `limits`: 1 to `MAX_LIMITS` limit objects (distinct windows are checked by `validateRuleBody`). */
export function LimitsField(required: boolean, type: new () => object, doc?: FieldDoc): Decorator {
  const message = `must be an array of 1 to ${MAX_LIMITS} limits`;
  return all(
    presence(required),
    instancesOf(type),
    IsArray({ message }),
    ArrayMinSize(1, { message }),
    ArrayMaxSize(MAX_LIMITS, { message }),
    ValidateNested(),
    Documented({ type: () => [type], minItems: 1, maxItems: MAX_LIMITS }, { required }, doc),
  );
}

/** `blockDurationMs`: a fixed penalty block, ms; `nullable` in a `PATCH` (null removes the penalty). */
export function BlockDurationField(nullable: boolean, doc?: FieldDoc): Decorator {
  const message = `must be an integer from 1 to ${MAX_PENALTY_MS}`;
  return all(
    removable(nullable),
    IsInt({ message }),
    Min(1, { message }),
    Max(MAX_PENALTY_MS, { message }),
    Documented({ type: 'integer', minimum: 1, maximum: MAX_PENALTY_MS }, { nullable }, doc),
  );
}

/** `penalty`: a `RulePenaltyDto` object; `nullable` in a `PATCH` (null removes the penalty). */
export function PenaltyField(nullable: boolean, type: new () => object, doc?: FieldDoc): Decorator {
  return all(
    removable(nullable),
    instanceOf(type),
    IsObject({ message: NOT_AN_OBJECT }),
    ValidateNested(),
    Documented({ type: () => type }, { nullable }, doc),
  );
}

/** `stateLimits`: an object of limits per load state; `nullable` in a `PATCH` (null removes them). */
export function StateLimitsField(nullable: boolean, type: new () => object, doc?: FieldDoc): Decorator {
  return all(
    removable(nullable),
    instanceOf(type),
    IsObject({ message: NOT_AN_OBJECT }),
    ValidateNested(),
    ValidateBy({
      name: 'namesState',
      validator: {
        validate: (value: unknown) => !isPlainObject(value) || Object.keys(value).length > 0,
        defaultMessage: () => 'must give the limits of NORMAL, DEGRADED or both',
      },
    }),
    Documented({ type: () => type }, { nullable }, doc),
  );
}

export const COUNT_ONLY: readonly CountOnly[] = ['failed', 'succeeded'];

/** `countOnly`: `failed` or `succeeded`; `nullable` in a `PATCH` (null counts every request again). */
export function CountOnlyField(nullable: boolean, doc?: FieldDoc): Decorator {
  return all(
    removable(nullable),
    IsIn(COUNT_ONLY as CountOnly[], { message: `must be one of ${COUNT_ONLY.join(', ')}` }),
    Documented({ type: 'string', enum: [...COUNT_ONLY] }, { nullable }, doc),
  );
}

/** A rule's tie-breaker among equally specific rules. */
export function Priority(doc?: FieldDoc): Decorator {
  return Integer(false, -MAX_PRIORITY, MAX_PRIORITY, doc);
}
