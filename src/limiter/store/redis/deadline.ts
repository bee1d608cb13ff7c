/** A store call that did not get its answer within the store's timeout. */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`Command timed out (no answer within ${timeoutMs} ms)`);
  }
}

/**
 * `promise`, or a `StoreTimeoutError` when Redis has not answered `ms` after the command went out.
 * A plain timer started at the call (ioredis' `commandTimeout`) times the node's own backlog
 * instead, twice over, and under a burst that turned most decisions into fail-open ones:
 * - the command may be written later: a client that auto-pipelines (one you pass in may) flushes
 *   in a `setImmediate`, after every request the event loop is busy with; so the timer starts in a
 *   `setImmediate` too, queued behind that flush;
 * - the reply is read later: a busy loop runs its expired timers before it reads the sockets (the
 *   timers phase comes before the poll phase); so an expired timer only arms a check at the end
 *   of that same turn (`setImmediate`, after the poll phase), by which time a reply that has
 *   arrived has been read and wins.
 * A Redis that really does not answer still times out, about `ms` after the write.
 *
 * @example
 * const reply = await withDeadline(client.evalsha(...), 50);
 */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const expire = () => {
      if (settled) return;
      settled = true;
      reject(new StoreTimeoutError(ms));
    };
    const start = setImmediate(() => {
      if (!settled) timer = setTimeout(() => setImmediate(expire), ms);
    });
    const settle = () => {
      settled = true;
      clearImmediate(start);
      clearTimeout(timer);
    };
    promise.then(
      (value) => {
        if (settled) return;
        settle();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      },
    );
  });
}
