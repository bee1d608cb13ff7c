import type { ExecutionContext } from '@nestjs/common';
import {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  MAX_LIMITS,
  MAX_SLIDING_LOG_LIMIT,
  isAlgorithm,
  type Algorithm,
  type LimitSpec,
} from '../algorithms.js';
import type { KeySource, PenaltyOptions, RateLimitOptions } from '../rate-limit.options.js';
import { MAX_PENALTY_MS, MAX_PENALTY_MULTIPLIER, penaltyOf } from './penalty.js';
import type { RateLimitPolicy } from './rate-limit-policy.js';

/** Thrown at startup for invalid `@RateLimit()` or module `default` options. */
export class RateLimitOptionsError extends Error {
  /** `RateLimitOptionsError`, so logs and `instanceof`-less checks can tell it apart. */
  override readonly name = 'RateLimitOptionsError';
}

/** Units one request takes, computed from its context. */
export type CostResolver = (context: ExecutionContext) => number;

/**
 * `@RateLimit()` (or module default) options, validated once. Immutable; one per options object.
 */
export interface CompiledRateLimit {
  /** Who a request counts against (the options' `key`, default `ip`). */
  readonly key: KeySource;
  /** Units a request takes (the options' `cost`, a constant as a function). */
  readonly cost: CostResolver;
  /** The policy enforced on a route: named by the options' `name`, else by the route's own name. */
  policyFor(routeName: string): RateLimitPolicy;
}

const OPTION_FIELDS: readonly string[] = [
  'limit',
  'windowMs',
  'limits',
  'algorithm',
  'key',
  'cost',
  'name',
  'shadow',
  'blockDurationMs',
  'penalty',
  'countOnly',
];
const COUNT_ONLY: readonly string[] = ['failed', 'succeeded'];
const LIMIT_FIELDS: readonly string[] = ['limit', 'windowMs', 'burst'];
const PENALTY_FIELDS: readonly string[] = ['blockDurationMs', 'multiplier', 'decayMs', 'maxBlockMs'];
const KEY_KINDS: readonly string[] = ['ip', 'user', 'apiKey'];
const MAX_NAME_LENGTH = 200;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** Route-named policies are bounded by the routes, but `/v1/check` resources are not: cap the cache. */
const MAX_CACHED_NAMES = 10_000;

const compiled = new WeakMap<RateLimitOptions, CompiledRateLimit>();

/**
 * Validates and compiles options, once per options object (the metadata of one handler or class,
 * or the module default), so every later call is a cache hit.
 *
 * @param where names the source in error messages, e.g. `@RateLimit() on UsersController.findOne`.
 * @throws RateLimitOptionsError naming the source, the field and the reason.
 *
 * @publicApi
 */
export function compileRateLimit(options: RateLimitOptions, where: string): CompiledRateLimit {
  let result = compiled.get(options);
  if (result === undefined) {
    result = compile(options, where);
    compiled.set(options, result);
  }
  return result;
}

function compile(options: RateLimitOptions, where: string): CompiledRateLimit {
  const fail = (field: string, reason: string): never => {
    throw new RateLimitOptionsError(`${where}: ${field === '' ? '' : `"${field}" `}${reason}`);
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return fail('', `options must be an object, got ${describe(options)}`);
  }
  for (const field of Object.keys(options)) {
    if (!OPTION_FIELDS.includes(field)) fail(field, `is not an option (known: ${OPTION_FIELDS.join(', ')})`);
  }
  const limits = Object.freeze(compileLimits(options, fail));
  const algorithm = compileAlgorithm(options.algorithm, fail);
  if (algorithm === 'concurrency') checkConcurrency(options, limits, fail);
  if (algorithm === 'sliding_log') checkSlidingLog(limits, fail);
  const key = compileKey(options.key, fail);
  const cost = compileCost(options.cost, where, fail);
  const name = options.name === undefined ? undefined : compileName(options.name, fail);
  if (options.shadow !== undefined && typeof options.shadow !== 'boolean') {
    fail('shadow', `must be a boolean, got ${describe(options.shadow)}`);
  }
  const shadow = options.shadow === true;
  const penalty = compilePenalty(options, algorithm, fail);
  const { countOnly } = options;
  if (countOnly !== undefined && !COUNT_ONLY.includes(countOnly)) {
    fail('countOnly', `must be one of ${COUNT_ONLY.join(', ')}, got ${describe(countOnly)}`);
  }
  if (countOnly !== undefined && algorithm === 'concurrency') {
    fail('countOnly', 'does not apply to the concurrency algorithm (a slot is held, not counted)');
  }
  // No `penalty` or `countOnly` property at all without one: such a policy stays as small as before.
  const make = (policyName: string): RateLimitPolicy =>
    Object.freeze({
      name: policyName,
      algorithm,
      limits,
      shadow,
      ...(penalty === undefined ? {} : { penalty }),
      ...(countOnly === undefined ? {} : { countOnly }),
    });
  if (name !== undefined) {
    const policy = make(name);
    return Object.freeze({ key, cost, policyFor: () => policy });
  }
  const byRoute = new Map<string, RateLimitPolicy>();
  return Object.freeze({
    key,
    cost,
    policyFor(routeName: string): RateLimitPolicy {
      let policy = byRoute.get(routeName);
      if (policy === undefined) {
        policy = make(routeName);
        if (byRoute.size < MAX_CACHED_NAMES) byRoute.set(routeName, policy);
      }
      return policy;
    },
  });
}

type Fail = (field: string, reason: string) => never;

function compileLimits(options: RateLimitOptions, fail: Fail): LimitSpec[] {
  const single = options.limit !== undefined || options.windowMs !== undefined;
  if (options.limits !== undefined && single) {
    return fail('', 'give either "limit" and "windowMs" or "limits", not both');
  }
  if (options.limits === undefined) {
    if (!single) return fail('', 'needs "limit" and "windowMs", or "limits"');
    if (options.limit === undefined) return fail('limit', 'is required with "windowMs"');
    if (options.windowMs === undefined) return fail('windowMs', 'is required with "limit"');
    return [compileLimit({ limit: options.limit, windowMs: options.windowMs }, '', fail)];
  }
  const { limits } = options;
  if (!Array.isArray(limits) || limits.length < 1 || limits.length > MAX_LIMITS) {
    const got = Array.isArray(limits) ? `${limits.length}` : describe(limits);
    return fail('limits', `must be an array of 1 to ${MAX_LIMITS} limits, got ${got}`);
  }
  const specs = limits.map((spec, i) => compileLimit(spec, `limits[${i}].`, fail));
  specs.forEach((spec, i) => {
    const first = specs.findIndex((other) => other.windowMs === spec.windowMs);
    if (first !== i) {
      fail(`limits[${i}].windowMs`, `repeats ${spec.windowMs} from limits[${first}]: each limit needs its own window`);
    }
  });
  return specs;
}

function compileLimit(spec: LimitSpec, path: string, fail: Fail): LimitSpec {
  if (typeof spec !== 'object' || spec === null)
    return fail(path.slice(0, -1), `must be an object, got ${describe(spec)}`);
  if (path !== '') {
    for (const field of Object.keys(spec)) {
      if (!LIMIT_FIELDS.includes(field))
        fail(`${path}${field}`, `is not a limit field (known: ${LIMIT_FIELDS.join(', ')})`);
    }
  }
  const integer = (field: 'limit' | 'windowMs' | 'burst', min: number): number => {
    const value: unknown = spec[field];
    if (!Number.isInteger(value) || (value as number) < min) {
      fail(`${path}${field}`, `must be an integer >= ${min}, got ${describe(value)}`);
    }
    return value as number;
  };
  const limit = integer('limit', 0);
  const windowMs = integer('windowMs', 1);
  if (spec.burst === undefined) return Object.freeze({ limit, windowMs });
  return Object.freeze({ limit, windowMs, burst: integer('burst', 0) });
}

/** A log keeps an entry per unit: its limits are bounded (see MAX_SLIDING_LOG_LIMIT). */
function checkSlidingLog(limits: readonly LimitSpec[], fail: Fail): void {
  limits.forEach(({ limit }, i) => {
    if (limit > MAX_SLIDING_LOG_LIMIT) {
      const field = limits.length === 1 ? 'limit' : `limits[${i}].limit`;
      fail(
        field,
        `must be at most ${MAX_SLIDING_LOG_LIMIT} with the sliding_log algorithm (one entry per unit), got ${limit}`,
      );
    }
  });
}

/**
 * A concurrency limit is one number of slots with one lease duration, and a request holds one slot
 * whatever it costs: several limits, a burst or a fixed cost above 1 would mean nothing.
 */
function checkConcurrency(options: RateLimitOptions, limits: readonly LimitSpec[], fail: Fail): void {
  if (limits.length !== 1) {
    fail('limits', `must hold exactly 1 limit with the concurrency algorithm, got ${limits.length}`);
  }
  if (limits[0]!.burst !== undefined) fail('limits[0].burst', 'is not used by the concurrency algorithm');
  const { cost } = options;
  if (typeof cost === 'number' && cost > 1) {
    fail('cost', `must be 0 or 1 with the concurrency algorithm (a request holds one slot), got ${cost}`);
  }
}

/** `blockDurationMs` (a fixed block) or `penalty` (the full form), checked and with defaults applied. */
function compilePenalty(options: RateLimitOptions, algorithm: Algorithm, fail: Fail): RateLimitPolicy['penalty'] {
  const { blockDurationMs, penalty } = options;
  if (blockDurationMs === undefined && penalty === undefined) return undefined;
  if (blockDurationMs !== undefined && penalty !== undefined) {
    return fail('', 'give either "blockDurationMs" or "penalty", not both');
  }
  const field = penalty === undefined ? 'blockDurationMs' : 'penalty';
  // A refused acquire holds nothing and a slot frees when any request ends: there is no abuse to block.
  if (algorithm === 'concurrency') return fail(field, 'does not apply to the concurrency algorithm');
  if (penalty === undefined) {
    return penaltyOf({ blockDurationMs: boundedInteger(blockDurationMs, 'blockDurationMs', 1, MAX_PENALTY_MS, fail) });
  }
  return penaltyOf({ penalty: compilePenaltyOptions(penalty, fail) });
}

function compilePenaltyOptions(penalty: unknown, fail: Fail): PenaltyOptions {
  if (typeof penalty !== 'object' || penalty === null || Array.isArray(penalty)) {
    return fail('penalty', `must be an object, got ${describe(penalty)}`);
  }
  const options = penalty as Record<string, unknown>;
  for (const field of Object.keys(options)) {
    if (!PENALTY_FIELDS.includes(field)) {
      fail(`penalty.${field}`, `is not a penalty field (known: ${PENALTY_FIELDS.join(', ')})`);
    }
  }
  const optional = (field: string, min: number, max: number): number | undefined =>
    options[field] === undefined ? undefined : boundedInteger(options[field], `penalty.${field}`, min, max, fail);
  const blockDurationMs = boundedInteger(options.blockDurationMs, 'penalty.blockDurationMs', 1, MAX_PENALTY_MS, fail);
  const multiplier = optional('multiplier', 1, MAX_PENALTY_MULTIPLIER);
  const decayMs = optional('decayMs', 1, MAX_PENALTY_MS);
  const maxBlockMs = optional('maxBlockMs', 1, MAX_PENALTY_MS);
  if (maxBlockMs !== undefined && maxBlockMs < blockDurationMs) {
    fail('penalty.maxBlockMs', `must be at least "penalty.blockDurationMs" (${blockDurationMs}), got ${maxBlockMs}`);
  }
  return {
    blockDurationMs,
    ...(multiplier === undefined ? {} : { multiplier }),
    ...(decayMs === undefined ? {} : { decayMs }),
    ...(maxBlockMs === undefined ? {} : { maxBlockMs }),
  };
}

function boundedInteger(value: unknown, field: string, min: number, max: number, fail: Fail): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    fail(field, `must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value as number;
}

function compileAlgorithm(algorithm: unknown, fail: Fail): Algorithm {
  if (algorithm === undefined) return DEFAULT_ALGORITHM;
  if (!isAlgorithm(algorithm)) fail('algorithm', `must be one of ${ALGORITHMS.join(', ')}, got ${describe(algorithm)}`);
  return algorithm as Algorithm;
}

function compileKey(key: unknown, fail: Fail): KeySource {
  if (key === undefined) return 'ip';
  if (typeof key === 'function' || KEY_KINDS.includes(key as string)) return key as KeySource;
  return fail('key', `must be 'ip', 'user', 'apiKey' or a function, got ${describe(key)}`);
}

function compileCost(cost: unknown, where: string, fail: Fail): CostResolver {
  if (cost === undefined) return () => 1;
  if (typeof cost === 'function') {
    const costOf = cost as CostResolver;
    return (context) => {
      const units = costOf(context);
      if (Number.isInteger(units) && units >= 0) return units;
      // A programming error in the app, not a client error: fail loudly (500) rather than guess.
      throw new Error(`${where}: the cost function returned ${describe(units)}; it must return an integer >= 0`);
    };
  }
  if (!Number.isInteger(cost) || (cost as number) < 0) {
    fail('cost', `must be an integer >= 0 or a function, got ${describe(cost)}`);
  }
  const units = cost as number;
  return () => units;
}

function compileName(name: unknown, fail: Fail): string {
  if (typeof name !== 'string') return fail('name', `must be a string, got ${describe(name)}`);
  if (name.length === 0) fail('name', 'must not be empty');
  if (name.length > MAX_NAME_LENGTH) fail('name', `must be at most ${MAX_NAME_LENGTH} characters, got ${name.length}`);
  if (CONTROL_CHARS.test(name)) fail('name', 'must not contain control characters');
  return name;
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
