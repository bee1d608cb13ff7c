// Parsing of what the rules API receives besides rule bodies: path ids, query strings, If-Match, rollback bodies.
import { ALGORITHMS } from '../limiter/algorithms.js';
import type { FieldError } from '../http/error-body.js';
import { booleanFilter, oneOf, parseListQuery as parseAdminListQuery, type Parsed } from '../http/list-query.js';
import type { RuleListQuery } from './rules.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The query string of `GET /v1/admin/rules`: a page, and `resource`, `enabled`, `algorithm` filters. */
export function parseListQuery(query: unknown): Parsed<RuleListQuery> {
  return parseAdminListQuery(query, {
    resource: (raw) => ({ value: raw }),
    enabled: booleanFilter,
    algorithm: oneOf(ALGORITHMS),
  });
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
