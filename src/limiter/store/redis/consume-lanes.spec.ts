import { ScriptReplyError } from './consume-reply.js';
import { ConsumeLanes, MAX_BATCH } from './consume-lanes.js';
import { StoreTimeoutError, withDeadline } from './deadline.js';

/** A call the test answers by hand, as Redis would answer a script call. */
interface Pending {
  readonly costs: number | readonly number[];
  answer(reply: unknown): void;
  fail(error: unknown): void;
}

/** Records every call the lanes make; each stays pending until the test answers it. */
function recorder() {
  const calls: Pending[] = [];
  const call = (costs: number | readonly number[]) =>
    new Promise<unknown>((resolve, reject) => calls.push({ costs, answer: resolve, fail: reject }));
  return { calls, sendOne: (cost: number) => call(cost), sendBatch: (costs: readonly number[]) => call([...costs]) };
}

const untimed = <T>(call: Promise<T>) => call;
/** Lets the lanes react to an answered call (they send the next batch from its callback). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConsumeLanes', () => {
  it('sends a consume alone when its lane is idle, and again alone once the lane is idle again', async () => {
    const lanes = new ConsumeLanes(untimed);
    const { calls, sendOne, sendBatch } = recorder();

    const first = lanes.run('a', 1, sendOne, sendBatch);
    expect(calls.map((c) => c.costs)).toEqual([1]);
    calls[0]!.answer('one');
    await expect(first).resolves.toBe('one');
    await settle();

    const second = lanes.run('a', 2, sendOne, sendBatch);
    expect(calls.map((c) => c.costs)).toEqual([1, 2]);
    calls[1]!.answer('two');
    await expect(second).resolves.toBe('two');
  });

  it('sends the consumes that arrive while a call is in flight as one batch, in order, each getting its reply', async () => {
    const lanes = new ConsumeLanes(untimed);
    const { calls, sendOne, sendBatch } = recorder();

    const first = lanes.run('a', 1, sendOne, sendBatch);
    const queued = [lanes.run('a', 1, sendOne, sendBatch), lanes.run('a', 0, sendOne, sendBatch)];
    queued.push(lanes.run('a', 3, sendOne, sendBatch));
    // Another lane is not held up by this one.
    const other = lanes.run('b', 5, sendOne, sendBatch);
    expect(calls.map((c) => c.costs)).toEqual([1, 5]);

    calls[0]!.answer('first');
    await expect(first).resolves.toBe('first');
    await settle();
    expect(calls.map((c) => c.costs)).toEqual([1, 5, [1, 0, 3]]);
    calls[2]!.answer(['r1', 'r0', 'r3']);
    await expect(Promise.all(queued)).resolves.toEqual(['r1', 'r0', 'r3']);
    calls[1]!.answer('other');
    await expect(other).resolves.toBe('other');
  });

  it('still sends the waiting consumes when the call ahead of them failed, and fails a whole batch that fails', async () => {
    const lanes = new ConsumeLanes(untimed);
    const { calls, sendOne, sendBatch } = recorder();

    const first = lanes.run('a', 1, sendOne, sendBatch);
    const queued = [lanes.run('a', 1, sendOne, sendBatch), lanes.run('a', 1, sendOne, sendBatch)];
    calls[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    expect(calls.map((c) => c.costs)).toEqual([1, [1, 1]]);
    calls[1]!.fail(new Error('still down'));
    for (const consume of queued) await expect(consume).rejects.toThrow('still down');
  });

  it('turns a send that throws into a failed consume, and the lane stays usable', async () => {
    const lanes = new ConsumeLanes(untimed);
    const { calls, sendOne, sendBatch } = recorder();
    const throws = () => {
      throw new Error('bad arguments');
    };

    await expect(lanes.run('a', 1, throws, sendBatch)).rejects.toThrow('bad arguments');
    await settle();
    const after = lanes.run('a', 1, sendOne, sendBatch);
    expect(calls.map((c) => c.costs)).toEqual([1]);
    calls[0]!.answer('fine');
    await expect(after).resolves.toBe('fine');
  });

  it('fails every consume of a batch whose reply is not one reply per consume', async () => {
    const lanes = new ConsumeLanes(untimed);
    const { calls, sendOne, sendBatch } = recorder();

    lanes.run('a', 1, sendOne, sendBatch).catch(() => undefined);
    const queued = [lanes.run('a', 1, sendOne, sendBatch), lanes.run('a', 1, sendOne, sendBatch)];
    calls[0]!.answer('first');
    await settle();
    calls[1]!.answer(['only one']);
    for (const consume of queued) {
      await expect(consume).rejects.toBeInstanceOf(ScriptReplyError);
      await expect(consume).rejects.toThrow('expected an array of 2 replies, got an array of length 1');
    }
  });

  it(`sends at most ${MAX_BATCH} consumes per batch call, the rest in another call of the same wave`, async () => {
    const lanes = new ConsumeLanes(untimed);
    const { calls, sendOne, sendBatch } = recorder();

    lanes.run('a', 1, sendOne, sendBatch).catch(() => undefined);
    const queued = Array.from({ length: MAX_BATCH + 3 }, (_, i) => lanes.run('a', i, sendOne, sendBatch));
    calls[0]!.answer('first');
    await settle();
    // Both calls are out before either is answered: nobody waits behind another batch.
    expect(calls).toHaveLength(3);
    expect(calls[1]!.costs).toEqual(Array.from({ length: MAX_BATCH }, (_, i) => i));
    expect(calls[2]!.costs).toEqual([MAX_BATCH, MAX_BATCH + 1, MAX_BATCH + 2]);
    // The next wave waits for the whole wave in flight.
    const later = lanes.run('a', 9, sendOne, sendBatch);
    calls[2]!.answer([MAX_BATCH, MAX_BATCH + 1, MAX_BATCH + 2]);
    await settle();
    expect(calls).toHaveLength(3);
    calls[1]!.answer(Array.from({ length: MAX_BATCH }, (_, i) => i));
    await expect(Promise.all(queued)).resolves.toEqual(Array.from({ length: MAX_BATCH + 3 }, (_, i) => i));
    await settle();
    expect(calls[3]!.costs).toEqual([9]);
    calls[3]!.answer(['nine']);
    await expect(later).resolves.toBe('nine');
  });

  it('times each consume from its submission, and moves on when the call in flight times out', async () => {
    const lanes = new ConsumeLanes((call) => withDeadline(call, 20));
    const { calls, sendOne, sendBatch } = recorder();

    const first = lanes.run('a', 1, sendOne, sendBatch);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const next = lanes.run('a', 7, sendOne, sendBatch);
    // The first call never answers: at its deadline its caller is told, and the lane sends the next.
    await expect(first).rejects.toBeInstanceOf(StoreTimeoutError);
    expect(calls.map((c) => c.costs)).toEqual([1, [7]]);
    calls[1]!.answer(['seven']);
    await expect(next).resolves.toBe('seven');
    // A consume whose own call never answers times out too.
    await settle();
    const last = lanes.run('a', 3, sendOne, sendBatch);
    await expect(last).rejects.toBeInstanceOf(StoreTimeoutError);
    expect(calls.map((c) => c.costs)).toEqual([1, [7], 3]);
  });
});
