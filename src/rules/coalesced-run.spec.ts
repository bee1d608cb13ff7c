import { CoalescedRun } from './coalesced-run.js';

/** A task whose runs finish only when the test says so, numbering them as they start. */
function controllableTask() {
  const finishers: (() => void)[] = [];
  let started = 0;
  const task = () =>
    new Promise<number>((resolve) => {
      const run = ++started;
      finishers.push(() => resolve(run));
    });
  return { task, finish: () => finishers.shift()!(), started: () => started };
}

describe('CoalescedRun', () => {
  it('runs once when nothing is in progress', async () => {
    const t = controllableTask();
    const runs = new CoalescedRun(t.task);
    const result = runs.run();
    t.finish();
    expect(await result).toBe(1);
    expect(t.started()).toBe(1);
  });

  it('gives every call made during a run the one run that starts after it', async () => {
    const t = controllableTask();
    const runs = new CoalescedRun(t.task);
    const first = runs.run();
    const during = [runs.run(), runs.run(), runs.run()];
    expect(t.started()).toBe(1);
    t.finish();
    expect(await first).toBe(1);
    // The follow-up starts once the first has finished: the callers above never see run 1.
    await Promise.resolve();
    t.finish();
    expect(await Promise.all(during)).toEqual([2, 2, 2]);
    expect(t.started()).toBe(2);
  });

  it('settles only when the queued run has finished too', async () => {
    const t = controllableTask();
    const runs = new CoalescedRun(t.task);
    void runs.run();
    void runs.run();
    let settled = false;
    const done = runs.settled().then(() => (settled = true));
    t.finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    t.finish();
    await done;
    expect(settled).toBe(true);
  });
});
