// Everything a bench script starts (servers, nodes, databases, keys) registers how to undo it
// here, so one call undoes it all in reverse order, on success, on failure and on Ctrl-C alike.
import { progress } from './options.mjs';

const tasks = [];

/** Registers `task` (sync or async) to run at clean-up, after every task registered later. */
export function defer(task) {
  tasks.push(task);
}

/** Runs every registered task, newest first; a failing task is reported and the others still run. */
async function cleanUp() {
  while (tasks.length > 0) {
    try {
      await tasks.pop()();
    } catch (error) {
      progress(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Runs the script's `main`, then cleans up; an interrupt (SIGINT, SIGTERM) cleans up too. */
export async function runScript(main) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      cleanUp().finally(() => process.exit(1));
    });
  }
  try {
    await main();
  } finally {
    await cleanUp();
  }
}
