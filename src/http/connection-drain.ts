import type { Server as HttpServer } from 'node:http';
import { Server } from 'node:net';

/** How often a drain looks for connections that have gone idle. */
const POLL_MS = 25;

/**
 * Lets a stopping node finish what it has accepted without closing a connection under a client.
 * Closing the HTTP server at once closes every keep-alive connection idle at that moment, and a
 * client may already have sent its next request on one: under 16 busy keep-alive clients,
 * requests got a connection reset instead of an answer. A drain instead:
 * 1. stops accepting connections (a new one is refused, which a client or proxy retries
 *    elsewhere), but keeps the open ones;
 * 2. answers every request that arrives on them with `Connection: close`, so that connection ends
 *    after its answer and no client sends another on it;
 * 3. after `settleMs` (time for a request already on the wire to arrive), closes connections as
 *    they go idle, until none is left or `timeoutMs` (if given) has passed.
 * Nothing of it runs before the drain starts: the request path pays nothing for it.
 */
export class ConnectionDrain {
  constructor(private readonly server: HttpServer) {}

  /** Steps 1-3 above; resolves when no connection is left, or at the timeout. */
  async drain(settleMs: number, timeoutMs?: number): Promise<void> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    this.server.on('request', (_request, response) => {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    });
    // net.Server's own close: http.Server's would also close the idle keep-alive connections now.
    if (this.server.listening) Server.prototype.close.call(this.server);
    await sleep(Math.max(0, Math.min(settleMs, deadline - Date.now())));
    while ((await this.connections()) > 0 && Date.now() < deadline) {
      this.server.closeIdleConnections();
      await sleep(POLL_MS);
    }
  }

  private connections(): Promise<number> {
    return new Promise((resolve) => this.server.getConnections((error, count) => resolve(error ? 0 : count)));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
