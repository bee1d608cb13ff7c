import { MAX_LISTED_ERRORS } from '../http/error-body.js';
import { UndecodableRequest } from './rls-protos.js';
import { describeErrors, MAX_REQUEST_STRING_LENGTH, parseRlsRequest } from './rls-request.js';

const entry = (key: string, value: string) => ({ key, value });

describe('parseRlsRequest', () => {
  it('takes a valid request, hits_addend as the cost and 0 as 1', () => {
    const message = {
      domain: 'shop',
      descriptors: [{ entries: [entry('user', 'a'), entry('path', '/')] }],
      hits_addend: 0,
    };
    expect(parseRlsRequest(message)).toEqual({
      value: { domain: 'shop', descriptors: [[entry('user', 'a'), entry('path', '/')]], cost: 1 },
    });
    expect(parseRlsRequest({ ...message, hits_addend: 7 }).value?.cost).toBe(7);
  });

  it('names every offending field by its path', () => {
    const result = parseRlsRequest({
      domain: 'x'.repeat(MAX_REQUEST_STRING_LENGTH + 1),
      descriptors: [{ entries: [entry('', 'v')] }, { entries: [] }],
      hits_addend: 1.5,
    });
    expect(result.errors).toEqual([
      { field: 'domain', reason: 'must be a string of 1 to 4096 characters' },
      { field: 'descriptors[0].entries[0].key', reason: 'must be a string of 1 to 4096 characters' },
      { field: 'descriptors[1].entries', reason: 'must hold 1 to 32 entries' },
      { field: 'hits_addend', reason: 'must be an integer from 0 to 1000000' },
    ]);
    expect(describeErrors(result.errors!.slice(0, 2))).toBe(
      'domain must be a string of 1 to 4096 characters; descriptors[0].entries[0].key must be a string of 1 to 4096 characters',
    );
  });

  it('lists at most MAX_LISTED_ERRORS errors, however many there are', () => {
    const descriptors = Array.from({ length: 40 }, () => ({ entries: [entry('', '')] }));
    expect(parseRlsRequest({ domain: 'shop', descriptors, hits_addend: 0 }).errors).toHaveLength(MAX_LISTED_ERRORS);
  });

  it('answers bytes that were no request with the reason, as a field error', () => {
    expect(parseRlsRequest(new UndecodableRequest('index out of range'))).toEqual({
      errors: [{ field: 'request', reason: 'is not a RateLimitRequest (index out of range)' }],
    });
  });
});
