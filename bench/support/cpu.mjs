// Cores and CPU time for the pinned bench: which core a process runs on (`taskset`), and how much
// CPU it has used (`/proc/<pid>/stat`), so a target's cost per request is read apart from how the
// machine's cores are shared.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `[file, args]` that run `file args` on CPU `cpu` (`taskset -c`), or as they are without one. */
export function onCpu(file, args, cpu) {
  return cpu === undefined ? [file, args] : ['taskset', ['-c', String(cpu), file, ...args]];
}

/** Moves every thread of process `pid` to CPU `cpu`; threads it starts later inherit it. */
export async function pinProcess(pid, cpu) {
  await run('taskset', ['-a', '-cp', String(cpu), String(pid)]);
}

/** Fails early where the pinned mode cannot run: fewer than two CPUs, or no taskset. */
export async function requirePinning(cpus) {
  const online = (await run('nproc')).stdout.trim();
  if (Number(online) <= Math.max(...cpus)) throw new Error(`the pinned bench needs CPUs ${cpus}; ${online} online`);
  await run('taskset', ['-p', String(process.pid)]).catch(() => {
    throw new Error('taskset is missing (apt-get install util-linux): the pinned bench pins processes with it');
  });
}

let ticksPerSecond;

/** The CPU seconds (user + system, every thread) process `pid` has used so far. */
export async function cpuSeconds(pid) {
  ticksPerSecond ??= Number((await run('getconf', ['CLK_TCK'])).stdout.trim());
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}
