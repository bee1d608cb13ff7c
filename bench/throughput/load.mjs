// The load generators, each a child process of its own, run asynchronously: the bench script's
// event loop stays free (it also answers the traced target's span exports).
// - closed loop at fixed concurrency: wrk (C, one thread: it leaves the server the CPU it needs on
//   a 2-core machine), or autocannon where wrk is missing;
// - fixed rate (open loop): bench/throughput/open-loop.mjs.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onCpu } from '../support/cpu.mjs';
import { wrk } from '../support/wrk.mjs';

const run = promisify(execFile);
const script = (name) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** The header that carries the client key when a run uses many keys. */
export const KEY_HEADER = 'x-client';

/**
 * One closed-loop run with `tool` (`wrk` or `autocannon`): `{ rps, p50, p99 (ms), total, non2xx,
 * errors }`. With `keys` > 0 each request carries KEY_HEADER `c1`..`c<keys>` in turn; `headers`
 * go on every request (wrk only).
 */
export async function closedLoop(
  tool,
  { port, path, method = 'GET', headers = {}, body, keys = 0, seconds, connections, cpu },
) {
  const url = `http://127.0.0.1:${port}${path}`;
  if (tool === 'wrk') {
    const env = {
      WRK_METHOD: method,
      WRK_BODY: body ?? '',
      WRK_KEYS: String(keys),
      WRK_KEY_HEADER: KEY_HEADER,
      WRK_HEADERS: Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n'),
    };
    return wrk({ url, script: script('wrk.lua'), env, seconds, connections, cpu });
  }
  const spec = { url, method, body, keys, keyHeader: KEY_HEADER, seconds, connections };
  const { stdout } = await run(process.execPath, [script('autocannon.mjs'), JSON.stringify(spec)]);
  return JSON.parse(stdout);
}

/**
 * One fixed-rate run of `method` (GET) `path` at `rate` req/s (see open-loop.mjs), on CPU `cpu` when given
 * (`taskset -c`): `{ answered, statuses, scheduled, late, dropped, errors, p50, p99, p999, lagP99 }`.
 * With `keys` > 0 each request carries KEY_HEADER `c1`..`c<keys>` in turn.
 */
export async function openLoop({ port, path, method, headers, body, rate, seconds, connections, keys = 0, cpu }) {
  const spec = { port, path, method, headers, body, rate, seconds, connections, keys, keyHeader: KEY_HEADER };
  const { stdout } = await run(...onCpu(process.execPath, [script('open-loop.mjs'), JSON.stringify(spec)], cpu));
  return JSON.parse(stdout);
}
