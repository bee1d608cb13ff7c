// wrk (C, one thread) as the load generator: a separate process that leaves the server the CPU it
// needs on a 2-core machine, where autocannon (Node) would saturate its own core first.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { onCpu } from './cpu.mjs';

const run = promisify(execFile);

/**
 * A closed-loop run of `seconds` at `connections` against `url` with the wrk Lua `script`
 * (`env` its variables), on CPU `cpu` when given (`taskset -c`): `{ rps, p50, p99, total, non2xx,
 * errors }`, latencies in ms.
 */
export async function wrk({ url, script, env = {}, seconds, connections, cpu }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url];
  const { stdout } = await run(...onCpu('wrk', args, cpu), { env: { ...process.env, ...env } });
  const ms = (label) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(stdout);
    if (!m) throw new Error(`wrk printed no ${label}% latency:\n${stdout}`);
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)[1]),
    p50: ms('50'),
    p99: ms('99'),
    total: Number(/(\d+) requests in/.exec(stdout)[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0),
    errors: socketErrors ? socketErrors.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
  };
}

/** `wrk <version>`, or undefined when wrk is not installed. */
export async function wrkVersion() {
  // wrk prints its version on stdout and exits 1.
  const output = await run('wrk', ['--version']).then(
    ({ stdout }) => stdout,
    (error) => (error.code === 'ENOENT' ? undefined : error.stdout),
  );
  return output === undefined ? undefined : `wrk ${/^wrk (\S+)/.exec(output)?.[1] ?? '(version unknown)'}`;
}

/** Throws, saying how to install it, when wrk is missing. */
export async function requireWrk() {
  if ((await wrkVersion()) === undefined)
    throw new Error("wrk is not installed (apt-get install wrk): it is this section's load generator");
}
