// Parsing of what the rules API receives besides rule bodies: path ids, query strings, If-Match, rollback bodies.
import { ALGORITHMS, type Algorithm, isAlgorithm } from '../limiter/algorithms.js';
import type { FieldError } from '../http/error-body.js';
import type { RuleListQuery } from './rules.repository.js';

/** Page size of `GET /v1/admin/rules` when none is asked for, and the largest one allowed. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIST_PARAMS = ['resource', 'enabled', 'algorithm', 'limit', 'offset'];

/** A parsed value, or what is wrong with the input. */
export type Parsed<T> = { readonly value: T; readonly errors?: undefined } | { readonly errors: FieldError[] };

/** The query string of `GET /v1/admin/rules`; unknown or repeated parameters are errors. */
export function parseListQuery(query: unknown): Parsed<RuleListQuery> {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  for (const key of Object.keys(params)) {
    if (!LIST_PARAMS.includes(key)) errors.push({ field: key, reason: 'is not allowed' });
    else if (typeof params[key] !== 'string') errors.push({ field: key, reason: 'must be given once' });
  }
  const text = (key: string) => (typeof params[key] === 'string' ? params[key] : undefined);
  const integer = (key: string, min: number, max: number, fallback: number): number => {
    const raw = text(key);
    if (raw === undefined) return fallback;
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    errors.push({ field: key, reason: `must be an integer from ${min} to ${max}` });
    return fallback;
  };
  const limit = integer('limit', 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  const offset = integer('offset', 0, 1_000_000_000, 0);
  const enabledText = text('enabled');
  if (enabledText !== undefined && enabledText !== 'true' && enabledText !== 'false') {
    errors.push({ field: 'enabled', reason: 'must be true or false' });
  }
  const algorithm = text('algorithm');
  if (algorithm !== undefined && !isAlgorithm(algorithm)) {
    errors.push({ field: 'algorithm', reason: `must be one of ${ALGORITHMS.join(', ')}` });
  }
  if (errors.length > 0) return { errors };
  const resource = text('resource');
  return {
    value: {
      limit,
      offset,
      ...(resource === undefined ? {} : { resource }),
      ...(enabledText === undefined ? {} : { enabled: enabledText === 'true' }),
      ...(algorithm === undefined ? {} : { algorithm: algorithm as Algorithm }),
    },
  };
}

/** A rule id from the path: a UUID, lowercased as Postgres prints it. */
export function parseRuleId(id: string): Parsed<string> {
  return UUID.test(id) ? { value: id.toLowerCase() } : { errors: [{ field: 'id', reason: 'must be a UUID' }] };
}

/**
 * The version an `If-Match` header names: the ETag `"3"` (weak `W/"3"` too) or the plain `3`.
 * Absent or `*` (any version): undefined.
 */
export function parseIfMatch(header: string | string[] | undefined): Parsed<number | undefined> {
  if (header === undefined || header.toString().trim() === '*') return { value: undefined };
  const value = header.toString().trim();
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(value) ?? /^(\d{1,9})$/.exec(value);
  const version = match === null ? 0 : Number(match[1]);
  if (version < 1) {
    return { errors: [{ field: 'If-Match', reason: 'must be the ETag of the rule ("<version>") or its version' }] };
  }
  return { value: version };
}

/** The body of `POST /v1/admin/rules/:id/rollback`: `{ "version": <an earlier version of the rule> }`. */
export function parseRollbackBody(body: unknown): Parsed<number> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { errors: [{ field: 'body', reason: 'must be a JSON object' }] };
  }
  const errors: FieldError[] = Object.keys(body)
    .filter((key) => key !== 'version')
    .map((field) => ({ field, reason: 'is not allowed' }));
  const { version } = body as { version?: unknown };
  if (version === undefined) errors.unshift({ field: 'version', reason: 'is required' });
  else if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    errors.unshift({ field: 'version', reason: 'must be an integer >= 1' });
  }
  return errors.length > 0 ? { errors } : { value: version as number };
}
