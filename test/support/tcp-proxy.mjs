// A TCP proxy a test or a bench script puts in front of a server (Postgres, Redis) to break the
// path to it on purpose: cut every connection, stall the bytes, or let them through again. Plain
// ESM so that bench scripts run it without a TypeScript loader; types in tcp-proxy.d.mts.
import net from 'node:net';

/**
 * Listens on 127.0.0.1 (port 0 unless given) and forwards each connection to `target`.
 * - `cut()`: destroys every open connection and refuses new ones (accepted, then reset at once),
 *   the way a dead host or a dropped route looks to a client pool;
 * - `pause()`: keeps connections open but holds every byte in both directions (a hung server,
 *   a network partition that does not reset), new connections are held too;
 * - `restore()`: back to forwarding; bytes held by `pause()` flow on.
 */
export async function startTcpProxy(target, options = {}) {
  let mode = 'open';
  const pairs = new Set();

  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    if (mode === 'paused') hold(pair);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  function hold({ client, upstream }) {
    client.pause();
    upstream.pause();
  }

  return {
    port,
    /** The address to give clients instead of the target's. */
    host: '127.0.0.1',
    get mode() {
      return mode;
    },
    /** How many client connections are open through the proxy. */
    get connections() {
      return pairs.size;
    },
    cut() {
      mode = 'cut';
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    pause() {
      mode = 'paused';
      for (const pair of pairs) hold(pair);
    },
    restore() {
      mode = 'open';
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    async close() {
      this.cut();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
