import { ScriptReplyError } from './consume-reply.js';
import { ConsumeBatcher, MAX_BATCH } from './consume-batcher.js';
import { StoreTimeoutError, withDeadline } from './deadline.js';

/** A call the test answers by hand, as Redis would answer a script call. */
interface Pending {
  /** The entry of a lone consume, the entries of a batch. */
  readonly sent: string | readonly string[];
  answer(reply: unknown): void;
  fail(error: unknown): void;
}

/** Records every call the batcher makes; each stays pending until the test answers it. */
function recorder(timed: <T>(call: Promise<T>) => Promise<T> = (call) => call) {
  const calls: Pending[] = [];
  const call = (sent: string | readonly string[]) =>
    new Promise<unknown>((resolve, reject) => calls.push({ sent, answer: resolve, fail: reject }));
  const batcher = new ConsumeBatcher<string>(
    (entry) => call(entry),
    (entries) => call([...entries]),
    timed,
  );
  return { calls, batcher };
}

/** Lets the batcher reach the end of the turn, where it sends what is open. */
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ConsumeBatcher', () => {
  it('sends a lone consume alone, at the end of the turn it was made in', async () => {
    const { calls, batcher } = recorder();

    const only = batcher.submit('g', 'a');
    expect(calls).toHaveLength(0);
    await endOfTurn();
    expect(calls.map((c) => c.sent)).toEqual(['a']);
    calls[0]!.answer('reply a');
    await expect(only).resolves.toBe('reply a');
  });

  it('sends the consumes of one group made in one turn as one batch, in order, each getting its reply', async () => {
    const { calls, batcher } = recorder();

    const grouped = [batcher.submit('g', 'a'), batcher.submit('g', 'b'), batcher.submit('g', 'c')];
    // Another group (another algorithm or slot) goes in a call of its own.
    const other = batcher.submit('h', 'x');
    await endOfTurn();
    expect(calls.map((c) => c.sent)).toEqual([['a', 'b', 'c'], 'x']);
    calls[0]!.answer(['ra', 'rb', 'rc']);
    await expect(Promise.all(grouped)).resolves.toEqual(['ra', 'rb', 'rc']);
    calls[1]!.answer('rx');
    await expect(other).resolves.toBe('rx');
  });

  it(`sends a group as soon as it holds ${MAX_BATCH} consumes, without waiting for the turn's end or for calls in flight`, async () => {
    const { calls, batcher } = recorder();

    const made = Array.from({ length: 2 * MAX_BATCH + 2 }, (_, i) => batcher.submit('g', `c${i}`));
    const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `c${from + i}`);
    // Two full batches are out before the turn ends, neither answered.
    expect(calls.map((c) => c.sent)).toEqual([entries(0, MAX_BATCH), entries(MAX_BATCH, 2 * MAX_BATCH)]);
    await endOfTurn();
    expect(calls[2]!.sent).toEqual(entries(2 * MAX_BATCH, 2 * MAX_BATCH + 2));
    // Answered out of order: each consume still gets its own reply.
    calls[2]!.answer(entries(2 * MAX_BATCH, 2 * MAX_BATCH + 2));
    calls[1]!.answer(entries(MAX_BATCH, 2 * MAX_BATCH));
    calls[0]!.answer(entries(0, MAX_BATCH));
    await expect(Promise.all(made)).resolves.toEqual(entries(0, 2 * MAX_BATCH + 2));
  });

  it('starts a new batch in the next turn while the last one is still in flight', async () => {
    const { calls, batcher } = recorder();

    const first = batcher.submit('g', 'a');
    await endOfTurn();
    const second = batcher.submit('g', 'b');
    await endOfTurn();
    expect(calls.map((c) => c.sent)).toEqual(['a', 'b']);
    calls[1]!.answer('rb');
    calls[0]!.answer('ra');
    await expect(Promise.all([first, second])).resolves.toEqual(['ra', 'rb']);
  });

  it('fails every consume of a call that fails, and the next turn sends again', async () => {
    const { calls, batcher } = recorder();

    const failed = [batcher.submit('g', 'a'), batcher.submit('g', 'b')];
    await endOfTurn();
    calls[0]!.fail(new Error('connection lost'));
    for (const consume of failed) await expect(consume).rejects.toThrow('connection lost');
    const after = batcher.submit('g', 'c');
    await endOfTurn();
    calls[1]!.answer('rc');
    await expect(after).resolves.toBe('rc');
  });

  it('turns a send that throws into failed consumes', async () => {
    const batcher = new ConsumeBatcher<string>(
      () => {
        throw new Error('bad arguments');
      },
      () => {
        throw new Error('bad batch');
      },
      (call) => call,
    );
    const alone = batcher.submit('g', 'a');
    const batch = [batcher.submit('h', 'b'), batcher.submit('h', 'c')];
    await expect(alone).rejects.toThrow('bad arguments');
    for (const consume of batch) await expect(consume).rejects.toThrow('bad batch');
  });

  it('fails every consume of a batch whose reply is not one reply per consume', async () => {
    const { calls, batcher } = recorder();

    const batch = [batcher.submit('g', 'a'), batcher.submit('g', 'b')];
    await endOfTurn();
    calls[0]!.answer(['only one']);
    for (const consume of batch) {
      await expect(consume).rejects.toBeInstanceOf(ScriptReplyError);
      await expect(consume).rejects.toThrow('expected an array of 2 replies, got an array of length 1');
    }
  });

  it('times every call: a call never answered fails its consumes at the deadline, later ones are sent', async () => {
    const { calls, batcher } = recorder((call) => withDeadline(call, 20));

    const stuck = [batcher.submit('g', 'a'), batcher.submit('g', 'b')];
    await endOfTurn();
    const next = batcher.submit('g', 'c');
    for (const consume of stuck) await expect(consume).rejects.toBeInstanceOf(StoreTimeoutError);
    expect(calls.map((c) => c.sent)).toEqual([['a', 'b'], 'c']);
    calls[1]!.answer('rc');
    await expect(next).resolves.toBe('rc');
  });
});
