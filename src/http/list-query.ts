import { BadRequestException } from '@nestjs/common';
import { invalidInputBody, type FieldError } from './error-body.js';

/** Page size of the admin list routes when none is asked for, and the largest one allowed. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A page of a list route. */
export interface Page {
  readonly limit: number;
  readonly offset: number;
}

/** A parsed value, or what is wrong with the input. */
export type Parsed<T> = { readonly value: T; readonly errors?: undefined } | { readonly errors: FieldError[] };

/** The parsed value, or a 400 naming every offending field (the service's one error shape). */
export function orBadRequest<T>(parsed: Parsed<T>): T {
  if (parsed.errors !== undefined) throw new BadRequestException(invalidInputBody(parsed.errors));
  return parsed.value;
}

/** Reads one filter's text: its value, or the reason it is wrong. */
export type FilterParser<T> = (raw: string) => { value: T } | { reason: string };

/**
 * The query string of an admin list route: `limit` (1 to 100, default 20), `offset`, and the
 * route's own filters. Unknown or repeated parameters are errors, each named.
 *
 * @example
 * parseListQuery(query, { tier: text(64), enabled: booleanFilter })
 * // { value: { limit: 20, offset: 0, tier: 'free' } }
 */
export function parseListQuery<F extends Record<string, FilterParser<unknown>>>(
  query: unknown,
  filters: F,
): Parsed<Page & { [K in keyof F]?: F[K] extends FilterParser<infer T> ? T : never }> {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const value: Record<string, unknown> = { limit: DEFAULT_PAGE_SIZE, offset: 0 };
  const integer = (key: string, raw: string, min: number, max: number) => {
    const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (n >= min && n <= max) value[key] = n;
    else errors.push({ field: key, reason: `must be an integer from ${min} to ${max}` });
  };
  for (const [key, raw] of Object.entries(params)) {
    if (typeof raw !== 'string') {
      errors.push({ field: key, reason: 'must be given once' });
    } else if (key === 'limit') {
      integer(key, raw, 1, MAX_PAGE_SIZE);
    } else if (key === 'offset') {
      integer(key, raw, 0, 1_000_000_000);
    } else if (Object.hasOwn(filters, key)) {
      const parsed = filters[key]!(raw);
      if ('reason' in parsed) errors.push({ field: key, reason: parsed.reason });
      else value[key] = parsed.value;
    } else {
      errors.push({ field: key, reason: 'is not allowed' });
    }
  }
  return errors.length > 0 ? { errors } : { value: value as never };
}

/** `true` or `false`. */
export const booleanFilter: FilterParser<boolean> = (raw) =>
  raw === 'true' || raw === 'false' ? { value: raw === 'true' } : { reason: 'must be true or false' };

/** One of `values`. */
export function oneOf<T extends string>(values: readonly T[]): FilterParser<T> {
  return (raw) =>
    (values as readonly string[]).includes(raw)
      ? { value: raw as T }
      : { reason: `must be one of ${values.join(', ')}` };
}

/** Any text of 1 to `max` characters. */
export function text(max: number): FilterParser<string> {
  return (raw) =>
    raw.length >= 1 && raw.length <= max ? { value: raw } : { reason: `must be 1 to ${max} characters` };
}
