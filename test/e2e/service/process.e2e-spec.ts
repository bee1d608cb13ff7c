/**
 * The built service as a process: `node <build>/main.js`. It is compiled here with tsc into a
 * private temp directory (not dist/, which other builds on this machine may be rewriting), with
 * the limiter's Lua scripts copied beside it as `nest build` does.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-harness.js';

const root = process.cwd();
let buildDir: string;
let mainJs: string;

function copyLuaScripts(from: string, to: string): void {
  for (const item of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, item.name);
    if (item.isDirectory()) copyLuaScripts(path, to);
    else if (item.name.endsWith('.lua')) cpSync(path, join(to, relative(join(root, 'src'), path)));
  }
}

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'fg-service-build-'));
  writeFileSync(join(buildDir, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(root, 'node_modules'), join(buildDir, 'node_modules'));
  const tsconfig = join(buildDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: {
        outDir: join(buildDir, 'dist'),
        rootDir: join(root, 'src'),
        declaration: false,
        sourceMap: false,
      },
      include: [join(root, 'src')],
      exclude: [join(root, 'src/**/*.spec.ts'), join(root, 'src/**/*.contract.ts')],
    }),
  );
  await promisify(execFile)(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig]).catch(
    (error: Error & { stdout?: string }) => {
      throw new Error(`the service does not compile:\n${error.stdout ?? error.message}`);
    },
  );
  copyLuaScripts(join(root, 'src'), join(buildDir, 'dist'));
  mainJs = join(buildDir, 'dist', 'main.js');
}, 120_000);

afterAll(() => {
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>): { child: ChildProcess; exited: Promise<Exited>; output: () => string } {
  const child = spawn(process.execPath, [mainJs], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Exited>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited, output: () => stdout };
}

async function waitForOutput(output: () => string, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Floodgate service process', () => {
  it('stops at startup with the bad variable named (exit 1)', async () => {
    const { exited } = run({ PORT: 'eighty' });
    const result = await exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT="eighty" must be an integer from 0 to 65535');
  }, 20_000);

  it('drains an in-flight request on SIGTERM, then exits 0', async () => {
    const port = await freePort();
    const { child, exited, output } = run({ PORT: String(port), NODE_ID: 'proc-test' });
    await waitForOutput(output, 'Listening on');

    // A request whose body is still arriving when SIGTERM comes: in flight, not yet answered.
    const body = JSON.stringify({ clientId: 'in-flight' });
    const response = new Promise<{ status: number; text: string; correlationId: unknown }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/check',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-correlation-id': 'drain-1' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode!, text, correlationId: res.headers['x-correlation-id'] }),
          );
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 300);
      }, 300);
    });

    const answered = await response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.text)).toMatchObject({ allowed: true, rule: 'default' });
    expect(answered.correlationId).toBe('drain-1');
    const result = await exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => String(line.msg).startsWith('SIGTERM received'))).toBe(true);
    expect(lines.find((line) => line.correlationId === 'drain-1')).toMatchObject({
      nodeId: 'proc-test',
      msg: 'request completed',
    });
  }, 30_000);
});
