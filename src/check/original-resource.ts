import type { FieldError } from '../http/error-body.js';
import { MAX_RESOURCE_LENGTH } from './check-request.js';

/** The headers nginx names the request it asks about with (`$request_method`, `$request_uri`). */
export const ORIGINAL_METHOD_HEADER = 'X-Original-Method';
export const ORIGINAL_URI_HEADER = 'X-Original-URI';

/** An HTTP method is a token (RFC 9110 5.6.2); no real one is longer than this. */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}$/;
/** A request target as sent on the wire: printable ASCII, anything else percent-encoded. */
const WIRE_TARGET = /^[\x21-\x7e]*$/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The resource an nginx request is limited as, in the form `POST /v1/check` and the rules use:
 * `"<METHOD> <path>"`, e.g. `"GET /search"` for `GET /search?q=x`. HEAD counts as GET, as it does
 * for a guarded route (Fastify answers HEAD with the GET route).
 *
 * The path is normalised the way nginx normalises `$uri` before it picks a location (the query
 * dropped, percent-escapes decoded, `//` merged, `.` and `..` resolved): the upstream serves
 * `/%73earch`, `//search` and `/x/../search` as `/search`, so a rule on `GET /search` must count
 * them as that too, or any client could step around it. A trailing slash is kept, as nginx keeps
 * it (`/search/` is another location, maybe another route).
 *
 * Answers the field errors instead when a header is missing or unusable.
 *
 * @example
 * originalResource('GET', '/a//b/../search?q=1'); // { resource: 'GET /a/search' }
 */
export function originalResource(
  method: string | undefined,
  uri: string | undefined,
): { readonly resource: string } | { readonly errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (method === undefined) {
    errors.push({ field: ORIGINAL_METHOD_HEADER, reason: 'is required: the method of the request ($request_method)' });
  } else if (!METHOD.test(method)) {
    errors.push({ field: ORIGINAL_METHOD_HEADER, reason: 'must be an HTTP method (a token of 1 to 32 characters)' });
  }
  const path = uri === undefined ? missingUri() : normalizedPath(uri);
  if (typeof path !== 'string') errors.push(path);
  if (errors.length > 0 || method === undefined || typeof path !== 'string') return { errors };
  const resource = `${method === 'HEAD' ? 'GET' : method} ${path}`;
  if (resource.length > MAX_RESOURCE_LENGTH) {
    return {
      errors: [
        {
          field: ORIGINAL_URI_HEADER,
          reason: `makes a resource ("METHOD /path") over ${MAX_RESOURCE_LENGTH} characters, the longest a check takes`,
        },
      ],
    };
  }
  return { resource };
}

function missingUri(): FieldError {
  return { field: ORIGINAL_URI_HEADER, reason: 'is required: the URI of the request ($request_uri)' };
}

/** The path of `uri` as nginx routes it (see `originalResource`), or why there is none. */
function normalizedPath(uri: string): string | FieldError {
  const invalid = (reason: string): FieldError => ({ field: ORIGINAL_URI_HEADER, reason });
  if (!uri.startsWith('/')) return invalid('must be a path starting with "/" (nginx\'s $request_uri)');
  if (!WIRE_TARGET.test(uri)) return invalid('must be printable ASCII, anything else percent-encoded');
  const end = uri.search(/[?#]/);
  let decoded: string;
  try {
    decoded = decodeURIComponent(end < 0 ? uri : uri.slice(0, end));
  } catch {
    return invalid('has a percent-escape that is malformed or not UTF-8');
  }
  if (CONTROL.test(decoded)) return invalid('decodes to a control character');
  const segments = decoded.split('/');
  const kept: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      // nginx refuses a path that climbs above the root (400) rather than guess.
      if (segment === '..' && kept.pop() === undefined) return invalid('climbs above the root with ".."');
      // A path ending in a dot segment names the directory: "/a/b/.." is "/a/".
      if (last) kept.push('');
    } else if (segment !== '' || last) {
      kept.push(segment);
    }
  }
  return `/${kept.join('/')}`;
}
