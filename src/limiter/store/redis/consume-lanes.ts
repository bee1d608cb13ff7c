import { ScriptReplyError } from './consume-reply.js';

/** One consume waiting for its lane's next call. */
interface Waiting {
  readonly cost: number;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

interface Lane {
  /** Sends the costs of several consumes of this lane's keys in one batch script call. */
  readonly sendBatch: (costs: readonly number[]) => Promise<unknown>;
  readonly waiting: Waiting[];
}

/**
 * At most this many consumes per batch call: a bounded script run (Redis serves nobody else while
 * a script runs) and a bounded reply. More waiting go in several calls at once.
 */
export const MAX_BATCH = 100;

/**
 * Coalesces consumes of the same keys, limits and penalty (a "lane"). A consume that finds its lane
 * idle is sent at once, alone, as before; one that finds calls in flight waits for them, then goes
 * with every other consume that arrived meanwhile in one batch script call (several, of at most
 * MAX_BATCH each, when many are waiting), which Redis runs as if each had been sent alone, in
 * order. Exactness is unchanged (the batch is as atomic as a single consume), and a hot key costs
 * one round trip per batch instead of one per request: Redis's and the node's work per decision
 * drops with the load, where it mattered most.
 *
 * The calls of one wave go out in order on the one connection (one slot's master on a Cluster), so
 * Redis runs them in arrival order too. Every consume gets its own deadline from the moment it is
 * submitted (`timed`), and so does every call: a lane moves on to its next wave when the calls in
 * flight are answered or time out, so a consume never waits on a call older than itself for longer
 * than the deadline.
 */
export class ConsumeLanes {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly timed: <T>(call: Promise<T>) => Promise<T>) {}

  /**
   * The script reply for one consume of `cost` in lane `lane`: from `sendOne(cost)` when the lane is
   * idle, else one element of a later `sendBatch(costs)` reply (which must be an array of one reply
   * per cost, in order). Lanes with the same name must send the same keys and arguments but the cost.
   */
  run(
    lane: string,
    cost: number,
    sendOne: (cost: number) => Promise<unknown>,
    sendBatch: (costs: readonly number[]) => Promise<unknown>,
  ): Promise<unknown> {
    const busy = this.lanes.get(lane);
    if (busy !== undefined) {
      return this.timed(new Promise<unknown>((resolve, reject) => busy.waiting.push({ cost, resolve, reject })));
    }
    const idle: Lane = { sendBatch, waiting: [] };
    this.lanes.set(lane, idle);
    const call = this.timed(attempt(() => sendOne(cost)));
    // Whatever the first call's fate, the consumes that queued behind it go next.
    const next = () => this.next(lane, idle);
    call.then(next, next);
    return call;
  }

  /**
   * Everyone waiting in the lane, at once: one batch call per MAX_BATCH of them, all in flight
   * together (so none waits behind another batch, only behind the call that was in flight when it
   * arrived); then the next wave once they are all answered, or the lane closed when nobody waits.
   */
  private next(name: string, lane: Lane): void {
    const waiting = lane.waiting.splice(0);
    if (waiting.length === 0) {
      this.lanes.delete(name);
      return;
    }
    const calls: Promise<void>[] = [];
    for (let at = 0; at < waiting.length; at += MAX_BATCH) {
      calls.push(this.send(lane, waiting.slice(at, at + MAX_BATCH)));
    }
    void Promise.all(calls).then(() => this.next(name, lane));
  }

  /** One batch call; settles every consume in it, and never rejects. */
  private send(lane: Lane, batch: readonly Waiting[]): Promise<void> {
    return this.timed(attempt(() => lane.sendBatch(batch.map((w) => w.cost)))).then(
      (replies) => {
        if (!Array.isArray(replies) || replies.length !== batch.length) {
          const got = Array.isArray(replies) ? `an array of length ${replies.length}` : typeof replies;
          const error = new ScriptReplyError(
            `Unexpected batch script reply: expected an array of ${batch.length} replies, got ${got}`,
          );
          for (const waiting of batch) waiting.reject(error);
        } else {
          for (let i = 0; i < batch.length; i++) batch[i]!.resolve(replies[i]);
        }
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
  }
}

/** `send()`, a synchronous throw turned into a rejection: a lane must never stay marked busy. */
function attempt(send: () => Promise<unknown>): Promise<unknown> {
  try {
    return send();
  } catch (error) {
    return Promise.reject(error);
  }
}
