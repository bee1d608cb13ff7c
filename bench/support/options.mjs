// The command line every bench section script shares: `[--quick] [--redis <url>]` and its own
// `--<name> <value>` options.
const args = process.argv.slice(2);

/** The value after `--<name>`, or `fallback` when the flag is absent. */
export function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Short smoke runs for development; the full run is the default. */
export const quick = args.includes('--quick');

/** A Redis to use instead of starting one (`--redis redis://127.0.0.1:6396`), or undefined. */
export const redisOption = option('redis', undefined);

/** The command as the reader can rerun it, for the report. */
export function commandLine(script) {
  return ['node', `bench/${script}`, ...args].join(' ');
}

/** Progress goes to stderr: stdout carries only the markdown section. */
export function progress(message) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
