/**
 * How far and how long a node is behind the rules version it knows is stored. A node learns of a
 * newer version from its periodic check, from an announcement and from its own writes; it stays
 * behind while its loads of that version fail (a database it cannot read, a section that does not
 * compile), and a node can answer for that long only from its last good snapshot. Time comes in
 * as an argument, so the rules health check and tests decide what "now" is.
 */
export class VersionLag {
  private newest = 0;
  private since: number | undefined;

  /** Notes that `version` is stored, while this node enforces `enforced`. */
  observe(version: number, enforced: number, now: number): void {
    if (version > this.newest) this.newest = version;
    this.update(enforced, now);
  }

  /** Notes what this node enforces now (after a load, or a failed one). */
  update(enforced: number, now: number): void {
    if (enforced >= this.newest) this.since = undefined;
    else this.since ??= now;
  }

  /** The newest version known to be stored. */
  get newestKnown(): number {
    return this.newest;
  }

  /** How long this node has been behind `newestKnown` (0 when it is not). */
  behindForMs(now: number): number {
    return this.since === undefined ? 0 : Math.max(0, now - this.since);
  }
}
