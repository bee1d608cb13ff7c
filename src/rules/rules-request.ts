// Parsing of what the rules API receives besides bodies and query strings (validated by their DTOs): path ids, If-Match.
import type { FieldError } from '../http/error-body.js';

/** A parsed value, or what is wrong with the input. */
export type Parsed<T> = { readonly value: T; readonly errors?: undefined } | { readonly errors: FieldError[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
