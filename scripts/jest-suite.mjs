// `npm run jest:suite` (the last step of `npm test`): every Jest file, in two passes. Jest's own
// default on a 2-core machine is one worker, and most files spend their time waiting on sockets,
// child processes and timers, not on a core: three workers ran every file in 206 s where one took
// 577 s (at 7eaa593). The files below measure or bound time and memory, and need the machine to
// themselves (the first two failed in that run), so they run after the rest, one at a time:
// - key-space: a node's heap after a full GC; under contention its Redis calls time out and the
//   bounded insurance store fills between its two readings (+28 MiB against +4 MiB alone);
// - process: starts the built service and its bundle as `node dist/main.js` does; its shutdown
//   with tracing (the last spans get 2 s) exited 1 instead of 0 in that run;
// - embedded-postgres: the PGlite server and the service in processes of their own, CPU-bound;
// - the fault sweeps (test/faults): they bound how long any answer may take under a fault (the
//   timeout it waits for plus 1 s), and a loaded machine made `/health/live` take 1,027 ms.
// Options after `--` go to both passes (`npm run jest:suite -- --silent`); files are chosen with
// `npm run jest -- <paths>`, which runs them alone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERIAL = [
  'test/robustness/key-space.e2e-spec.ts',
  'test/e2e/service/process.e2e-spec.ts',
  'test/db/embedded-postgres.spec.ts',
  'test/faults/redis-faults.e2e-spec.ts',
  'test/faults/postgres-faults.e2e-spec.ts',
];
const WORKERS = 3;

const root = fileURLToPath(new URL('..', import.meta.url));
const extra = process.argv.slice(2);
const paths = extra.filter((arg) => !arg.startsWith('-'));
if (paths.length > 0) {
  process.stderr.write(
    `jest:suite takes options only, not ${paths.join(' ')}: npm run jest -- <paths> runs files alone\n`,
  );
  process.exit(2);
}
const escaped = SERIAL.map((file) => file.replaceAll('.', '\\.'));

/** One pass through `npm run jest`, the project's one Jest command line (and its prejest step). */
function pass(args) {
  const { status, signal } = spawnSync('npm', ['run', 'jest', '--', ...extra, ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (status !== 0) process.exit(status ?? (signal === null ? 1 : 128));
}

pass([`--maxWorkers=${WORKERS}`, '--testPathIgnorePatterns', ...escaped]);
pass(['--runInBand', '--testPathPatterns', ...escaped]);
