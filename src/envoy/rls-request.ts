import { type FieldError, MAX_LISTED_ERRORS } from '../http/error-body.js';
import type { DescriptorEntry } from '../rules/index.js';
import { type RateLimitRequestMessage, UndecodableRequest } from './rls-protos.js';

/**
 * Bounds of a request. Envoy's protos ask only for non-empty keys and values; these keep one
 * request's work bounded. They are wider than a rule's (`MAX_DESCRIPTOR_*` in `src/rules`), so a
 * descriptor no rule can name is answered as not limited, never refused as malformed.
 */
export const MAX_REQUEST_DESCRIPTORS = 64;
export const MAX_REQUEST_ENTRIES = 32;
export const MAX_REQUEST_STRING_LENGTH = 4096;
/** The same bound as `/v1/check`'s `cost`. */
export const MAX_HITS_ADDEND = 1_000_000;

/** A valid rate limit request: what is decided. */
export interface DescriptorsRequest {
  readonly domain: string;
  /** Each descriptor's entries, in order. */
  readonly descriptors: readonly (readonly DescriptorEntry[])[];
  /** The units each matched limit takes: `hits_addend`, or 1 when it is 0 (unset), as Envoy means it. */
  readonly cost: number;
}

/** A valid request (`value`), or what is wrong with it (`errors`, never empty, at most MAX_LISTED_ERRORS). */
export type RlsRequestValidation =
  | { readonly value: DescriptorsRequest; readonly errors?: undefined }
  | { readonly errors: readonly FieldError[]; readonly value?: undefined };

/**
 * Checks a decoded `RateLimitRequest` (or the `UndecodableRequest` its bytes made), naming each
 * offending field by its path (`descriptors[0].entries[1].value`), as the HTTP API does.
 *
 * @example
 * const parsed = parseRlsRequest(call.request);
 * if (parsed.errors) callback({ code: status.INVALID_ARGUMENT, details: describeErrors(parsed.errors) });
 */
export function parseRlsRequest(message: unknown): RlsRequestValidation {
  if (message instanceof UndecodableRequest) {
    return { errors: [{ field: 'request', reason: `is not a RateLimitRequest (${message.reason})` }] };
  }
  const { domain, descriptors, hits_addend: hitsAddend } = message as RateLimitRequestMessage;
  const errors: FieldError[] = [];
  const text = (value: unknown, field: string) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_REQUEST_STRING_LENGTH) {
      errors.push({ field, reason: `must be a string of 1 to ${MAX_REQUEST_STRING_LENGTH} characters` });
    }
  };
  text(domain, 'domain');
  if (!Array.isArray(descriptors) || descriptors.length === 0 || descriptors.length > MAX_REQUEST_DESCRIPTORS) {
    errors.push({ field: 'descriptors', reason: `must hold 1 to ${MAX_REQUEST_DESCRIPTORS} descriptors` });
  } else {
    descriptors.forEach(({ entries }, i) => {
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_REQUEST_ENTRIES) {
        errors.push({ field: `descriptors[${i}].entries`, reason: `must hold 1 to ${MAX_REQUEST_ENTRIES} entries` });
        return;
      }
      entries.forEach(({ key, value }, j) => {
        text(key, `descriptors[${i}].entries[${j}].key`);
        text(value, `descriptors[${i}].entries[${j}].value`);
      });
    });
  }
  if (!Number.isInteger(hitsAddend) || hitsAddend < 0 || hitsAddend > MAX_HITS_ADDEND) {
    errors.push({ field: 'hits_addend', reason: `must be an integer from 0 to ${MAX_HITS_ADDEND}` });
  }
  if (errors.length > 0) return { errors: errors.slice(0, MAX_LISTED_ERRORS) };
  return {
    value: {
      domain,
      descriptors: (descriptors as RateLimitRequestMessage['descriptors']).map(({ entries }) =>
        entries.map(({ key, value }) => ({ key, value })),
      ),
      cost: hitsAddend === 0 ? 1 : hitsAddend,
    },
  };
}

/** The errors as one gRPC status message: `domain must be ...; descriptors[0].entries must be ...`. */
export function describeErrors(errors: readonly FieldError[]): string {
  return errors.map(({ field, reason }) => `${field} ${reason}`).join('; ');
}
