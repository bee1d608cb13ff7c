// Loopback ports for the servers a bench script starts. Other people's scripts run on the same
// machine at the same time, so a port is picked at random in a range and tested by binding it.
import net from 'node:net';

/** Ports this process handed out: not bound yet by their server, but taken all the same. */
const handedOut = new Set();

function canBind(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port in [from, to] that nothing listens on now. The server that takes it may still lose a
 * race with another process: callers check that the server they reach is theirs.
 */
export async function freePort(from, to) {
  for (let attempt = 0; attempt < 4 * (to - from + 1); attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}
