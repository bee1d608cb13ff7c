/**
 * Runs `task` one at a time, coalescing: a call while a run is in progress gets the one run that
 * starts after it (shared by every caller meanwhile), so each caller's result comes from a run that
 * began after its call, and a burst of calls costs at most two runs. Used where "after my write,
 * load everything again" must neither be skipped nor pile up (snapshot reloads, outbox passes).
 */
export class CoalescedRun<T> {
  private inFlight: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly task: () => Promise<T>) {}

  run(): Promise<T> {
    if (this.inFlight === undefined) return this.start();
    this.queued ??= this.inFlight.then(() => {
      this.queued = undefined;
      return this.start();
    });
    return this.queued;
  }

  /** Resolves once no run is in progress or queued (for shutdown). */
  async settled(): Promise<void> {
    await this.queued;
    await this.inFlight;
  }

  private start(): Promise<T> {
    const run = this.task().finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }
}
