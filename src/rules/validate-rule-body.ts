import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import { type LimitSpec, MAX_SLIDING_LOG_LIMIT } from '../limiter/algorithms.js';
import type { FieldError } from '../http/error-body.js';
import { OBJECT_PROTOTYPE_KEYS } from '../http/reserved-keys.js';
import { CreateRuleDto } from './dto/create-rule.dto.js';
import { isPlainObject, NOT_AN_OBJECT } from './dto/rule-fields.js';
import { RULE_DEFAULTS } from './dto/rule-options.dto.js';
import { UpdateRuleDto } from './dto/update-rule.dto.js';
import type { RulePenaltyDto } from './dto/rule-penalty.dto.js';
import type { RuleStateLimitsDto } from './dto/rule-state-limits.dto.js';
import { LOAD_STATES, type LoadState } from './load-state.js';
import type { RuleBody, RuleDescriptorEntry, RuleMatch, RulePatch, RulePenalty, RuleStateLimits } from './rule.js';

/** A valid body (`value`), or every offending field, in body order (`errors`, never empty). */
export type RuleValidation<T> =
  | { readonly value: T; readonly errors?: undefined }
  | { readonly errors: readonly FieldError[]; readonly value?: undefined };

/** The same options as the service's validation pipe, so a rule is refused here exactly as a check would be. */
const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
};

/**
 * When several constraints of one field fail, the reason shown is the first of these that failed:
 * absent before wrong, wrong shape before wrong content.
 */
const REASON_PRIORITY = ['isDefined', 'whitelistValidation', 'isObject', 'isArray', 'nestedValidation', 'unknownValue'];
const REASONS: Readonly<Record<string, string>> = {
  whitelistValidation: 'is not allowed',
  nestedValidation: NOT_AN_OBJECT,
  unknownValue: NOT_AN_OBJECT,
};

/**
 * class-transformer skips `__proto__` and `constructor` (so whitelisting never sees them) and,
 * nested, throws on `constructor`; class-validator's whitelist takes the other names of
 * `Object.prototype`'s members (`toString`, `valueOf`, ...) for declared fields. All are refused
 * and taken out before the body reaches them.
 */
const DROPPED_KEYS = OBJECT_PROTOTYPE_KEYS;

/**
 * Validates a rule body from a client or the database: `create` for a whole rule (defaults
 * applied), `update` for a `PATCH` (only the fields given). Unknown fields, wrong types (`"5"` is not
 * a number, `null` is not "absent") and limits sharing a window are errors; nested fields are named
 * by their path (`limits[1].windowMs`, `match.resource`).
 *
 * @example
 * const result = validateRuleBody(request.body, 'create');
 * if (result.errors) throw new BadRequestException(invalidInputBody(result.errors));
 * await rules.insert(result.value);
 */
export function validateRuleBody(body: unknown, mode: 'create'): RuleValidation<RuleBody>;
export function validateRuleBody(body: unknown, mode: 'update'): RuleValidation<RulePatch>;
export function validateRuleBody(body: unknown, mode: 'create' | 'update'): RuleValidation<RuleBody | RulePatch> {
  if (!isPlainObject(body)) return { errors: [{ field: 'body', reason: 'must be a JSON object' }] };
  const errors: FieldError[] = [];
  const clean = withoutDroppedKeys(body, '', errors);
  const dto = plainToInstance(mode === 'create' ? CreateRuleDto : UpdateRuleDto, clean, {
    enableImplicitConversion: false,
  });
  errors.push(...toFieldErrors(validateSync(dto, VALIDATOR_OPTIONS), '', dto));
  const lists: [unknown, string][] = [
    [dto.limits, 'limits'],
    ...LOAD_STATES.map((state): [unknown, string] => [stateLimitsOf(dto)?.[state], `stateLimits.${state}`]),
  ];
  for (const [limits, field] of lists) errors.push(...itemsNotObjects(limits, field, errors));
  errors.push(...itemsNotObjects(matchOfDto(dto)?.descriptors, 'match.descriptors', errors));
  for (const [limits, field] of lists) errors.push(...repeatedWindows(limits, field));
  // Between fields, once each is valid alone (so a wrong field is reported once, as itself).
  if (errors.length === 0) {
    errors.push(
      ...penaltyConflicts(dto),
      ...concurrencyConflicts(dto),
      ...slidingLogBounds(dto),
      ...envoyConflicts(dto),
    );
  }
  if (errors.length > 0) return { errors };
  return { value: mode === 'create' ? withDefaults(dto as CreateRuleDto) : patchOf(dto) };
}

/** A copy of `value` without `DROPPED_KEYS`, each one found added to `errors`. */
function withoutDroppedKeys(value: unknown, path: string, errors: FieldError[]): unknown {
  if (Array.isArray(value)) return value.map((item, i) => withoutDroppedKeys(item, `${path}[${i}]`, errors));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = join(path, key);
    if (DROPPED_KEYS.includes(key)) errors.push({ field, reason: 'is not allowed' });
    else copy[key] = withoutDroppedKeys(value[key], field, errors);
  }
  return copy;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Flattens class-validator's tree into `{ field, reason }`. A field that is wrong as a whole
 * (`match` is an array, `limits` has 6 items) is one error, not one more per thing inside it.
 */
function toFieldErrors(errors: readonly ValidationError[], path: string, parent: unknown): FieldError[] {
  const result: FieldError[] = [];
  const inArray = Array.isArray(parent);
  for (const error of errors) {
    const field = inArray ? `${path}[${error.property}]` : join(path, error.property);
    if (inArray && !isPlainObject(error.value)) {
      result.push({ field, reason: NOT_AN_OBJECT });
      continue;
    }
    const names = Object.keys(error.constraints ?? {});
    if (names.length > 0) {
      const name = REASON_PRIORITY.find((n) => names.includes(n)) ?? names[0]!;
      result.push({ field, reason: REASONS[name] ?? error.constraints![name]! });
    } else if (error.children?.length) {
      result.push(...toFieldErrors(error.children, field, error.value));
    }
  }
  return result;
}

/** The body's `match` when it is an object (a wrong type is reported by the field's own check). */
function matchOfDto(dto: CreateRuleDto | UpdateRuleDto): Partial<Record<keyof RuleMatch, unknown>> | undefined {
  return isPlainObject(dto.match) ? dto.match : undefined;
}

/** The body's `stateLimits` when it is an object (a wrong type is reported by the field's own check). */
function stateLimitsOf(dto: CreateRuleDto | UpdateRuleDto): Record<string, unknown> | undefined {
  return isPlainObject(dto.stateLimits) ? dto.stateLimits : undefined;
}

/**
 * Items of a limits list that are not objects, unless already reported. class-validator's nested
 * validation walks into an array item instead of refusing it, so `[[]]` would pass as a limit, be
 * stored as `[{}]` and fail every snapshot load after it.
 */
function itemsNotObjects(limits: unknown, field: string, reported: readonly FieldError[]): FieldError[] {
  if (!Array.isArray(limits)) return [];
  const errors: FieldError[] = [];
  limits.forEach((item: unknown, i) => {
    const itemField = `${field}[${i}]`;
    if (isPlainObject(item) || reported.some((error) => isWithin(error.field, itemField))) return;
    errors.push({ field: itemField, reason: NOT_AN_OBJECT });
  });
  return errors;
}

/** Whether `field` is `path` or a field inside it (`limits[0].limit` is within `limits[0]`). */
function isWithin(field: string, path: string): boolean {
  return field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
}

/** Each limit needs its own window: the store keeps one counter per window. */
function repeatedWindows(limits: unknown, field: string): FieldError[] {
  if (!Array.isArray(limits)) return [];
  const errors: FieldError[] = [];
  const firstIndex = new Map<number, number>();
  limits.forEach((limit: unknown, i) => {
    const windowMs = isPlainObject(limit) ? limit.windowMs : undefined;
    if (typeof windowMs !== 'number') return;
    const first = firstIndex.get(windowMs);
    if (first === undefined) firstIndex.set(windowMs, i);
    else {
      errors.push({
        field: `${field}[${i}].windowMs`,
        reason: `repeats ${windowMs} from ${field}[${first}]: each limit needs its own window`,
      });
    }
  });
  return errors;
}

/**
 * One spelling of the penalty at a time, and a maximum block no shorter than the first. In a
 * `PATCH`, only among the fields it gives: the rule it makes must be checked whole as well.
 */
function penaltyConflicts({ blockDurationMs, penalty }: CreateRuleDto | UpdateRuleDto): FieldError[] {
  // Both, when they say the same: a rule as the API shows it (see `RuleResponse`) can be sent back.
  if (blockDurationMs !== undefined && penalty !== undefined && !sameFixedBlock(blockDurationMs, penalty)) {
    return [{ field: 'penalty', reason: 'give either blockDurationMs or penalty, not both' }];
  }
  if (penalty?.maxBlockMs !== undefined && penalty.maxBlockMs < penalty.blockDurationMs) {
    return [
      { field: 'penalty.maxBlockMs', reason: `must be at least penalty.blockDurationMs (${penalty.blockDurationMs})` },
    ];
  }
  return [];
}

/** `blockDurationMs` beside a `penalty` of that block alone: one penalty in both spellings. */
function sameFixedBlock(blockDurationMs: number | null, penalty: RulePenaltyDto | null): boolean {
  if (blockDurationMs === null || penalty === null) return blockDurationMs === penalty;
  const { multiplier, decayMs, maxBlockMs } = penalty;
  return (
    penalty.blockDurationMs === blockDurationMs &&
    multiplier === undefined &&
    decayMs === undefined &&
    maxBlockMs === undefined
  );
}

/**
 * A concurrency rule caps requests in flight: one limit (slots and lease), no burst, no penalty (a
 * refused acquire holds nothing, and a slot frees whenever a request ends). In a `PATCH`, only when
 * it names the algorithm.
 */
function concurrencyConflicts(dto: CreateRuleDto | UpdateRuleDto) {
  const { algorithm, limits, blockDurationMs, penalty, countOnly } = dto;
  const errors: FieldError[] = [];
  if (algorithm !== 'concurrency') return errors;
  const lists: [string, readonly { burst?: number }[] | undefined][] = [
    ['limits', limits],
    ...LOAD_STATES.map((state): [string, { burst?: number }[] | undefined] => [
      `stateLimits.${state}`,
      stateLimitsOf(dto)?.[state] as { burst?: number }[] | undefined,
    ]),
  ];
  for (const [field, list] of lists) {
    if (list !== undefined && list.length !== 1) {
      errors.push({ field, reason: 'must hold exactly 1 limit with the concurrency algorithm' });
    } else if (list?.[0]?.burst !== undefined) {
      errors.push({ field: `${field}[0].burst`, reason: 'is not used by the concurrency algorithm' });
    }
  }
  if (countOnly !== undefined && countOnly !== null) {
    errors.push({ field: 'countOnly', reason: 'does not apply to the concurrency algorithm' });
  }
  if (blockDurationMs !== undefined && blockDurationMs !== null) {
    errors.push({ field: 'blockDurationMs', reason: 'does not apply to the concurrency algorithm' });
  }
  if (penalty !== undefined && penalty !== null) {
    errors.push({ field: 'penalty', reason: 'does not apply to the concurrency algorithm' });
  }
  return errors;
}

/** Why an Envoy rule takes no penalty. */
const ENVOY_PENALTY =
  'does not apply to an Envoy rule (match.domain): the descriptors of a request are decided together, and a block belongs to one caller';

/**
 * An Envoy rule (`match.domain`) matches the descriptors of Envoy's rate limit requests, never an
 * HTTP request, and Envoy asks before a request without telling how it ended: so no HTTP selector,
 * no concurrency (nothing would free the slot), no countOnly (no response is seen), no
 * perResource (there is no resource), and no penalty (see ENVOY_PENALTY). `descriptors` are
 * matched within a domain, so they need one. In a `PATCH`, only among the fields it gives (the
 * merged rule is checked whole as well).
 */
function envoyConflicts(dto: CreateRuleDto | UpdateRuleDto): FieldError[] {
  const match = matchOfDto(dto);
  if (match === undefined) return [];
  if (match.domain === undefined) {
    if (match.descriptors === undefined) return [];
    return [{ field: 'match.descriptors', reason: 'needs match.domain: descriptors are matched within a domain' }];
  }
  const errors: FieldError[] = [];
  const http = (['resource', 'tier', 'clientId'] as const).find((selector) => match[selector] !== undefined);
  if (http !== undefined) {
    errors.push({
      field: 'match.domain',
      reason: `cannot be combined with match.${http}: a rule with a domain matches Envoy descriptors, not HTTP requests`,
    });
  }
  if (dto.algorithm === 'concurrency') {
    errors.push({
      field: 'algorithm',
      reason: 'concurrency does not apply to an Envoy rule (match.domain): Envoy never tells when a request ends',
    });
  }
  if (dto.blockDurationMs !== undefined && dto.blockDurationMs !== null) {
    errors.push({ field: 'blockDurationMs', reason: ENVOY_PENALTY });
  }
  if (dto.penalty !== undefined && dto.penalty !== null) errors.push({ field: 'penalty', reason: ENVOY_PENALTY });
  if (dto.countOnly !== undefined && dto.countOnly !== null) {
    errors.push({
      field: 'countOnly',
      reason: 'does not apply to an Envoy rule (match.domain): Envoy does not report the response',
    });
  }
  if (dto.perResource === true) {
    errors.push({ field: 'perResource', reason: 'does not apply to an Envoy rule (match.domain): it has no resource' });
  }
  return errors;
}

/**
 * A sliding log keeps one entry per unit taken: its limits are bounded (MAX_SLIDING_LOG_LIMIT). In
 * a `PATCH`, only when it names the algorithm (the merged rule is checked whole as well).
 */
function slidingLogBounds(dto: CreateRuleDto | UpdateRuleDto): FieldError[] {
  if (dto.algorithm !== 'sliding_log') return [];
  const lists: [string, readonly LimitSpec[] | undefined][] = [
    ['limits', dto.limits],
    ...LOAD_STATES.map((state): [string, LimitSpec[] | undefined] => [
      `stateLimits.${state}`,
      stateLimitsOf(dto)?.[state] as LimitSpec[] | undefined,
    ]),
  ];
  const errors: FieldError[] = [];
  for (const [field, list] of lists) {
    list?.forEach(({ limit }, i) => {
      if (limit > MAX_SLIDING_LOG_LIMIT) {
        errors.push({
          field: `${field}[${i}].limit`,
          reason: `must be at most ${MAX_SLIDING_LOG_LIMIT} with the sliding_log algorithm (it keeps one entry per unit)`,
        });
      }
    });
  }
  return errors;
}

function withDefaults(dto: CreateRuleDto): RuleBody {
  return {
    name: dto.name,
    ...(dto.description === undefined ? {} : { description: dto.description }),
    match: matchOf(dto.match),
    algorithm: dto.algorithm ?? RULE_DEFAULTS.algorithm,
    limits: limitsOf(dto.limits),
    enabled: dto.enabled ?? RULE_DEFAULTS.enabled,
    shadow: dto.shadow ?? RULE_DEFAULTS.shadow,
    priority: dto.priority ?? RULE_DEFAULTS.priority,
    perResource: dto.perResource ?? RULE_DEFAULTS.perResource,
    ...(dto.penalty === undefined && dto.blockDurationMs === undefined
      ? {}
      : { penalty: penaltyOf(dto.penalty, dto.blockDurationMs) }),
    ...(dto.stateLimits === undefined ? {} : { stateLimits: stateLimitsValue(dto.stateLimits) }),
    ...(dto.countOnly === undefined ? {} : { countOnly: dto.countOnly }),
  };
}

/** The limits of each state given, as plain objects. */
function stateLimitsValue(stateLimits: RuleStateLimitsDto): RuleStateLimits {
  const value: Partial<Record<LoadState, LimitSpec[]>> = {};
  for (const state of LOAD_STATES) {
    const limits = stateLimits[state];
    if (limits !== undefined) value[state] = limitsOf(limits);
  }
  return value;
}

/** The fields given, as plain objects (the DTO classes stay inside this module). */
function patchOf(dto: UpdateRuleDto): RulePatch {
  const patch: { -readonly [K in keyof RulePatch]?: RulePatch[K] } = {};
  if (dto.name !== undefined) patch.name = dto.name;
  if (dto.description !== undefined) patch.description = dto.description;
  if (dto.match !== undefined) patch.match = matchOf(dto.match);
  if (dto.algorithm !== undefined) patch.algorithm = dto.algorithm;
  if (dto.limits !== undefined) patch.limits = limitsOf(dto.limits);
  if (dto.enabled !== undefined) patch.enabled = dto.enabled;
  if (dto.shadow !== undefined) patch.shadow = dto.shadow;
  if (dto.priority !== undefined) patch.priority = dto.priority;
  if (dto.perResource !== undefined) patch.perResource = dto.perResource;
  if (dto.stateLimits !== undefined) {
    patch.stateLimits = dto.stateLimits === null ? null : stateLimitsValue(dto.stateLimits);
  }
  if (dto.countOnly !== undefined) patch.countOnly = dto.countOnly;
  // Either spelling; null (either) removes the penalty.
  if (dto.penalty === null || dto.blockDurationMs === null) patch.penalty = null;
  else if (dto.penalty !== undefined || dto.blockDurationMs !== undefined) {
    patch.penalty = penaltyOf(dto.penalty, dto.blockDurationMs);
  }
  return patch;
}

/** The penalty as a plain object of the fields given: `blockDurationMs` alone is the short spelling. */
function penaltyOf(penalty: RulePenaltyDto | undefined, blockDurationMs: number | undefined): RulePenalty {
  if (penalty === undefined) return { blockDurationMs: blockDurationMs! };
  const { blockDurationMs: first, multiplier, decayMs, maxBlockMs } = penalty;
  return {
    blockDurationMs: first,
    ...(multiplier === undefined ? {} : { multiplier }),
    ...(decayMs === undefined ? {} : { decayMs }),
    ...(maxBlockMs === undefined ? {} : { maxBlockMs }),
  };
}

function matchOf({ resource, tier, clientId, domain, descriptors }: RuleMatch): RuleMatch {
  return {
    ...(resource === undefined ? {} : { resource }),
    ...(tier === undefined ? {} : { tier }),
    ...(clientId === undefined ? {} : { clientId }),
    ...(domain === undefined ? {} : { domain }),
    ...(descriptors === undefined ? {} : { descriptors: descriptors.map(entryOf) }),
  };
}

/** A descriptor entry as a plain object. */
function entryOf({ key, value }: RuleDescriptorEntry): RuleDescriptorEntry {
  return value === undefined ? { key } : { key, value };
}

function limitsOf(limits: readonly LimitSpec[]): LimitSpec[] {
  return limits.map(({ limit, windowMs, burst }) =>
    burst === undefined ? { limit, windowMs } : { limit, windowMs, burst },
  );
}
