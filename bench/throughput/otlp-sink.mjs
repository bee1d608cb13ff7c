// A stand-in OTLP/HTTP collector for the traced target: answers 200 to every POST /v1/traces and
// counts what it received, so the report can show that spans were really exported. It runs in the
// bench script's process, whose event loop idles while the load generators (child processes) run.
import http from 'node:http';
import { defer } from '../support/cleanup.mjs';
import { freePort } from '../support/ports.mjs';

/** Starts the sink: `{ url, received() }`, received() being `{ exports, bytes }` so far. */
export async function startOtlpSink() {
  let exports = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports++;
      // An empty protobuf message is a valid ExportTraceServiceResponse: everything accepted.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const port = await freePort(4300, 4399);
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  defer(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${port}`, received: () => ({ exports, bytes }) };
}
