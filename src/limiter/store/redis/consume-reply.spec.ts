import {
  consumeReplyLength,
  parseConsumeReply,
  parseRefundReply,
  parseReleaseReply,
  splitBatchReply,
} from './consume-reply.js';

const limits = [
  { limit: 10, windowMs: 1_000 },
  { limit: 100, windowMs: 60_000, burst: 20 },
];

describe('parseConsumeReply', () => {
  it('turns a well-formed reply into a ConsumeResult, limits in request order', () => {
    expect(parseConsumeReply([0, 1_700_000_000_123, 250, 0, 250, 42, 59_000], limits)).toEqual({
      allowed: false,
      nowMs: 1_700_000_000_123,
      retryAfterMs: 250,
      limits: [
        { limit: 10, windowMs: 1_000, remaining: 0, resetMs: 250 },
        { limit: 100, windowMs: 60_000, remaining: 42, resetMs: 59_000 },
      ],
    });
    expect(parseConsumeReply([1, 5, 0, 9, 100], limits.slice(0, 1)).allowed).toBe(true);
  });

  it.each([
    ['not an array', 'OK', 'expected an array of 7 integers, got the string "OK"'],
    ['null', null, 'expected an array of 7 integers, got null'],
    ['too short', [1, 5, 0, 9, 100], 'expected an array of 7 integers, got an array of length 5'],
    ['too long', [1, 5, 0, 9, 100, 1, 1, 1], 'expected an array of 7 integers, got an array of length 8'],
    ['a string element', [1, 5, 0, '9', 100, 1, 1], 'element 3 is the string "9", not an integer >= 0'],
    ['a fraction', [1, 5, 0.5, 9, 100, 1, 1], 'element 2 is number 0.5, not an integer >= 0'],
    ['a negative count', [1, 5, 0, -1, 100, 1, 1], 'element 3 is number -1, not an integer >= 0'],
    ['a nil (null) element', [1, null, 0, 9, 100, 1, 1], 'element 1 is null, not an integer >= 0'],
    ['allowed out of range', [2, 5, 0, 9, 100, 1, 1], 'allowed is 2, not 0 or 1'],
  ])('refuses %s with a clear error', (_case, reply, message) => {
    expect(() => parseConsumeReply(reply, limits)).toThrow(`Unexpected rate-limit script reply: ${message}`);
  });
});

describe('parseConsumeReply with a penalty', () => {
  it('reads blockedUntilMs last, and sets it only when the caller is blocked', () => {
    const blocked = parseConsumeReply([0, 1_000, 400, 0, 50, 1_400], limits.slice(0, 1), true);
    expect(blocked).toMatchObject({ allowed: false, retryAfterMs: 400, blockedUntil: 1_400 });
    const free = parseConsumeReply([1, 1_000, 0, 3, 50, 0], limits.slice(0, 1), true);
    expect(free).toEqual({
      allowed: true,
      nowMs: 1_000,
      retryAfterMs: 0,
      limits: [{ limit: 10, windowMs: 1_000, remaining: 3, resetMs: 50 }],
    });
  });

  it('refuses a reply without the block (a script from before penalties)', () => {
    expect(() => parseConsumeReply([1, 1_000, 0, 3, 50], limits.slice(0, 1), true)).toThrow(
      'Unexpected rate-limit script reply: expected an array of 6 integers, got an array of length 5',
    );
  });
});

describe('splitBatchReply', () => {
  it('cuts a batch reply into each consume reply, in order, of the lengths their limits and penalties give', () => {
    const lengths = [consumeReplyLength(1, false), consumeReplyLength(2, false), consumeReplyLength(1, true)];
    expect(lengths).toEqual([5, 7, 6]);
    const one = [1, 5, 0, 9, 100];
    const two = [0, 5, 250, 0, 250, 42, 59_000];
    const penalized = [0, 5, 400, 0, 50, 405];
    const replies = splitBatchReply([...one, ...two, ...penalized], lengths);
    expect(replies).toEqual([one, two, penalized]);
    expect(parseConsumeReply(replies[1], limits)).toEqual(parseConsumeReply(two, limits));
    expect(parseConsumeReply(replies[2], limits.slice(0, 1), true).blockedUntil).toBe(405);
  });

  it.each([
    ['one integer short', [1, 5, 0, 9, 100, 1, 5, 0, 9], 'got an array of length 9'],
    ['one integer more', [1, 5, 0, 9, 100, 1, 5, 0, 9, 100, 7], 'got an array of length 11'],
    // What batch.lua answered before its reply was flat.
    [
      'nested replies',
      [
        [1, 5, 0, 9, 100],
        [1, 5, 0, 9, 100],
      ],
      'got an array of length 2',
    ],
    ['not an array', 'OK', 'got the string "OK"'],
  ])('refuses %s with a clear error', (_case, reply, got) => {
    expect(() => splitBatchReply(reply, [5, 5])).toThrow(
      `Unexpected batch script reply: expected an array of 10 integers for 2 consumes, ${got}`,
    );
  });
});

describe('parseRefundReply and parseReleaseReply', () => {
  it('accept what the scripts answer', () => {
    expect(parseRefundReply(2, 2)).toBe(2);
    expect(parseReleaseReply(1)).toBe(true);
    expect(parseReleaseReply(0)).toBe(false);
  });

  it.each([
    [() => parseRefundReply(3, 2), 'Unexpected refund script reply: expected an integer from 0 to 2, got number 3'],
    [
      () => parseRefundReply('1', 2),
      'Unexpected refund script reply: expected an integer from 0 to 2, got the string "1"',
    ],
    [() => parseReleaseReply([1]), 'Unexpected release script reply: expected 0 or 1, got an array of length 1'],
    [() => parseReleaseReply(null), 'Unexpected release script reply: expected 0 or 1, got null'],
  ])('refuse anything else with a clear error (%#)', (parse, message) => {
    expect(parse).toThrow(message);
  });
});
