/**
 * The real nginx (Debian's `nginx` package; `.ci/run` installs it), run by a test as the current
 * user: one process (`daemon off; master_process off`) whose pid file, logs and temp folders all
 * live in a temp dir that `stop()` removes, listening on a loopback port the test chose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NGINX_PATHS = ['/usr/sbin/nginx', '/usr/bin/nginx'];
/** Long enough for a loaded CI box; nginx itself starts in milliseconds. */
const START_TIMEOUT_MS = 10_000;

/** nginx's path; throws naming the Debian package when it is not installed. */
export function nginxBinary(): string {
  for (const path of NGINX_PATHS) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error('nginx is not installed: apt-get install -y nginx (.ci/run installs it when missing)');
}

/**
 * `template` with each `[from, to]` replaced; each `from` must occur exactly once, so a sample
 * that changes under a test fails the test rather than running unrendered.
 */
export function render(template: string, replacements: readonly (readonly [string, string])[]): string {
  let text = template;
  for (const [from, to] of replacements) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`"${from}" occurs ${count} times in the template, not once`);
    text = text.replace(from, () => to);
  }
  return text;
}

export interface RunningNginx {
  readonly dir: string;
  /** What nginx has written to its error log (stderr, `error_log stderr`) so far. */
  errorLog(): string;
  /** Stops nginx (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts nginx with `conf` (a whole nginx.conf) once it accepts connections on 127.0.0.1:`port`.
 * The temp paths compiled into Debian's nginx (/var/lib/nginx) are moved into its folder by
 * directives added at the top of `http {`, so nothing is written outside it.
 */
export async function startNginx(conf: string, port: number): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'fg-nginx-'));
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`)
    .join('\n');
  writeFileSync(join(dir, 'nginx.conf'), render(conf, [['http {', `http {\n${temps}`]]));
  // Files, not pipes: `access_log /dev/stdout` cannot open the socket Node would give the child.
  const stdout = openSync(join(dir, 'stdout.log'), 'w');
  const stderr = openSync(join(dir, 'stderr.log'), 'w');
  const globals = `daemon off; master_process off; pid ${join(dir, 'nginx.pid')};`;
  let child: ChildProcess;
  try {
    child = spawn(
      nginxBinary(),
      ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'stderr.log'), '-g', globals],
      { stdio: ['ignore', stdout, stderr] },
    );
  } finally {
    closeSync(stdout);
    closeSync(stderr);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => readFileSync(join(dir, 'stderr.log'), 'utf8');
  const running: RunningNginx = {
    dir,
    errorLog,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = errorLog();
      await running.stop();
      throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return running;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
