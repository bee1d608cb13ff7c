/**
 * Folds repeated log events so an outage or an attack cannot flood the log: per kind of event the
 * first is logged at once, later ones at most once per `periodMs`, each line told how many events
 * were folded into it since the previous line. No timer: a quiet period simply logs nothing, and the
 * count waits for the next event of its kind. Kinds must be bounded (rule names, not callers).
 *
 * @example
 * const folded = new FoldedLog(10_000);
 * folded.report(`limited:${rule}`, (more) => logger.log(`rule ${rule} refused a request${more ? `; ${more} more` : ''}`));
 */
export class FoldedLog {
  private readonly lastLogged = new Map<string, number>();
  private readonly folded = new Map<string, number>();

  constructor(
    private readonly periodMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs this event through `log` (given the count folded since the last line), or folds it. */
  report(kind: string, log: (folded: number) => void): void {
    const now = this.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && now - last < this.periodMs) {
      this.folded.set(kind, (this.folded.get(kind) ?? 0) + 1);
      return;
    }
    const folded = this.take(kind);
    this.lastLogged.set(kind, now);
    log(folded);
  }

  /** The events of `kind` folded since its last line, which another line is about to report. */
  take(kind: string): number {
    const folded = this.folded.get(kind) ?? 0;
    this.folded.delete(kind);
    return folded;
  }
}
