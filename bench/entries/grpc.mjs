// The gRPC load of bench/entries.mjs, run as a child process (grpc-load.mjs) on its own core, as
// the HTTP load generators are.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onCpu } from '../support/cpu.mjs';

const run = promisify(execFile);
const LOAD = fileURLToPath(new URL('./grpc-load.mjs', import.meta.url));

async function load(spec, cpu) {
  const { stdout } = await run(...onCpu(process.execPath, [LOAD, JSON.stringify(spec)], cpu));
  return JSON.parse(stdout);
}

/** `connections` calls of `request` always in flight for `seconds` (or `requests` calls): `{ rps, total, non2xx, codes, p50, p99 }`. */
export function grpcClosedLoop({ port, request, seconds, connections = 50, requests, cpu }) {
  return load({ port, request, mode: 'closed', seconds, connections, requests }, cpu);
}

/** `rate` calls/s for `seconds`, at most `connections` in flight: `{ answered, late, dropped, codes, p50, p99 }`. */
export function grpcOpenLoop({ port, request, rate, seconds, connections = 50, cpu }) {
  return load({ port, request, mode: 'open', rate, seconds, connections }, cpu);
}
