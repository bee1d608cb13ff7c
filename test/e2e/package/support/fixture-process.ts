import { spawn, type ChildProcess } from 'node:child_process';

/** Node plus Nest's imports on a loaded 2-core machine: generous, startup normally takes about a second. */
export const STARTUP_DEADLINE_MS = 20_000;

/** A fixture app running as a process of its own. */
export interface Fixture {
  readonly url: string;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/**
 * Runs `node <script> ...args` in `cwd` and resolves once it has printed the port it listens on
 * (`PORT=<n>`, as the fixtures' `serve()` does).
 */
export function startFixture(
  script: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Fixture> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
  return new Promise<Fixture>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${script} ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`printed no port within ${STARTUP_DEADLINE_MS} ms`), STARTUP_DEADLINE_MS);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before printing its port`));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /^PORT=(\d+)$/m.exec(stdout)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url: `http://127.0.0.1:${port}`, stop });
    });
  });
}
