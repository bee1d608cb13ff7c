import type { FieldError } from './error-body.js';

/** How deep a request's JSON may nest: every body the service takes is a few levels deep. */
export const MAX_INPUT_DEPTH = 32;

/** U+0000, or a lone surrogate (with the `u` flag a well-formed pair reads as one code point, not Cs). */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/**
 * What is wrong with a request body or query, before any other check: nesting deeper than
 * `MAX_INPUT_DEPTH` (the validators and Prisma walk input recursively, and a few kilobytes of
 * brackets would overflow their stack), or a string Postgres cannot store (U+0000, or an unpaired
 * UTF-16 surrogate, which JSON may carry as `\ud800`). The walk is iterative; a string field is
 * named by its path (`match.resource`, `limits[0]`). Undefined when nothing is.
 */
export function unstorableInput(value: unknown): FieldError | undefined {
  return isStorable(value, 0) ? undefined : firstUnstorable(value);
}

/**
 * Whether `firstUnstorable` finds nothing, decided without the paths it names fields by: every
 * body and query goes through this, nearly all of them storable, and building a path per field
 * was most of the walk's cost. Its recursion stops at `MAX_INPUT_DEPTH`.
 */
function isStorable(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return !UNSTORABLE.test(value);
  if (typeof value !== 'object' || value === null) return true;
  if (depth >= MAX_INPUT_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) if (!isStorable(item, depth + 1)) return false;
    return true;
  }
  for (const key of Object.keys(value)) {
    if (UNSTORABLE.test(key) || !isStorable((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function firstUnstorable(value: unknown): FieldError | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) {
        return { field: path || 'body', reason: 'must not contain U+0000 or unpaired surrogates' };
      }
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= MAX_INPUT_DEPTH)
      return { field: 'body', reason: `must not nest deeper than ${MAX_INPUT_DEPTH} levels` };
    if (Array.isArray(current)) {
      current.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
    } else {
      for (const [key, item] of Object.entries(current)) {
        if (UNSTORABLE.test(key)) {
          return { field: path || 'body', reason: 'must not have a key with U+0000 or unpaired surrogates' };
        }
        stack.push({ value: item, path: path === '' ? key : `${path}.${key}`, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
