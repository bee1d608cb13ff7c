// `npm run bench [-- --quick] [-- <throughput options>]`: builds (`npm run build`; with --quick
// only when dist/ is older than a source), then every benchmark section in one run, written to
// BENCHMARKS.md with the machine, the date and the command.
//
// Each section is a script of its own with one contract: `node bench/<name>.mjs [--quick]
// [--redis <url>]` prints its markdown section (from a `## ` heading) on stdout, its progress on
// stderr, and exits 0. They run one after the other on one redis-server of this script's own; a
// section that is missing or fails gets a line in the report instead, and the others still run.
// The throughput section also takes this script's other options (see bench/throughput.mjs).
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { runScript } from './support/cleanup.mjs';
import { progress, quick } from './support/options.mjs';
import { createMigratedTemplate, TEMPLATE_VARIABLE } from './support/postgres.mjs';
import { cli, startRedis } from './support/redis.mjs';
import { fmt } from './support/stats.mjs';
import { wrkVersion } from './support/wrk.mjs';

const SECTIONS = [
  'pinned.mjs',
  'throughput.mjs',
  'entries.mjs',
  'accuracy.mjs',
  'hot-reload.mjs',
  'memory.mjs',
  'cluster.mjs',
  'robustness.mjs',
];
/**
 * Sections of BENCHMARKS.md that other commands measure (`npm run soak`: minutes of faults, not a
 * benchmark): carried over as they are, with their own date, when this script rewrites the file.
 */
const KEPT_SECTIONS = ['## Soak'];
const args = process.argv.slice(2);
const run = promisify(execFile);

/** Runs one section script: `{ markdown, ok }`; its stderr goes straight to ours. */
function runSection(name, redisUrl) {
  const sectionArgs = name === 'throughput.mjs' ? args : quick ? ['--quick'] : [];
  const script = fileURLToPath(new URL(`./${name}`, import.meta.url));
  const proc = spawn(process.execPath, [script, ...sectionArgs, '--redis', redisUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  return new Promise((resolve) => {
    proc.on('close', (code) => {
      const markdown = stdout.trim();
      if (code === 0 && markdown.startsWith('## ')) return resolve({ markdown, ok: true });
      const why = code === 0 ? 'printed no `## ` section' : `exited with code ${code}`;
      resolve({ markdown: `## bench/${name}\n\n\`node bench/${name}\` ${why}; see the run's stderr.`, ok: false });
    });
  });
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the build reads: a change to any of them makes dist/ stale. */
const BUILD_INPUTS = [
  'src',
  'prisma/schema.prisma',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.mjs',
];

/** The newest modification time under `path` (a file or a folder), in ms. */
function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(`${path}/${entry}`));
  return newest;
}

/**
 * Builds, except with --quick when dist/main.js is newer than every build input: the build is
 * 12-14 s of a quick run, and a quick run after `npm test` or `npm start` would only repeat it.
 * Resolves whether it built.
 */
async function buildUnlessFresh() {
  const main = `${ROOT}dist/main.js`;
  const fresh = () =>
    existsSync(main) && statSync(main).mtimeMs > Math.max(...BUILD_INPUTS.map((p) => newestMtime(ROOT + p)));
  if (quick && fresh()) {
    progress('dist/ is newer than every source: not rebuilt (--quick)');
    return false;
  }
  progress('npm run build');
  await run('npm', ['run', 'build'], { cwd: ROOT });
  return true;
}

/** KEPT_SECTIONS as the current BENCHMARKS.md has them (each up to the next `## ` heading). */
function keptSections() {
  const file = new URL('../BENCHMARKS.md', import.meta.url);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return KEPT_SECTIONS.flatMap((heading) => {
    const start = text.indexOf(`\n${heading}\n`);
    if (start < 0) return [];
    const end = text.indexOf('\n## ', start + heading.length + 2);
    return [text.slice(start + 1, end < 0 ? undefined : end).trim()];
  });
}

/** What `lookUp()` resolves to, or `unknown` when it fails: the report must not be lost for it. */
const orUnknown = (lookUp) => lookUp().catch(() => 'unknown');

async function postgresVersion() {
  const client = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    return (await client.query('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

/** The commit measured, read when the run starts: what is edited while it runs was not built into it. */
function measuredCommit() {
  return orUnknown(async () => {
    const sha = (await run('git', ['rev-parse', '--short', 'HEAD'])).stdout.trim();
    const dirty = (await run('git', ['status', '--porcelain', '--untracked-files=no'])).stdout.trim() !== '';
    return dirty ? `${sha} with uncommitted changes` : sha;
  });
}

async function header(redisPort, minutes, commit, built) {
  const cpus = os.cpus();
  const redis = await orUnknown(async () => /redis_version:(\S+)/.exec(await cli(redisPort, 'info', 'server'))[1]);
  const postgres = await orUnknown(postgresVersion);
  const took = Object.entries(minutes).map(([name, m]) => `${name.replace('.mjs', '')} ${fmt(m, 1)}`);
  return [
    '# Benchmarks',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus.length} x ${cpus[0]?.model.trim()}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}, Redis ${redis} (a redis-server of the run's own on a loopback port), Postgres ${postgres} (127.0.0.1:5432, fresh databases per section, copied from one migrated at the start), at commit ${commit}.`,
    '',
    `Command: \`npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}\` (${built ? 'builds' : 'dist/ newer than every source, so not rebuilt'}, then runs \`node bench/run.mjs\`). Sections took (minutes): ${took.join(', ')}.`,
  ].join('\n');
}

await runScript(async () => {
  const commit = await measuredCommit();
  const built = await buildUnlessFresh();
  if ((await wrkVersion()) === undefined) {
    progress(
      'wrk is not installed (apt-get install wrk): throughput falls back to autocannon, the cluster section fails',
    );
  }
  const redis = await startRedis();
  // The sections inherit our environment: their databases are copies of this one.
  process.env[TEMPLATE_VARIABLE] = await createMigratedTemplate();
  const sections = [];
  const minutes = {};
  let failed = false;
  for (const name of SECTIONS) {
    if (!existsSync(new URL(`./${name}`, import.meta.url))) {
      sections.push(`## bench/${name}\n\n\`bench/${name}\` does not exist yet: not measured.`);
      continue;
    }
    progress(`section ${name}`);
    const started = Date.now();
    const { markdown, ok } = await runSection(name, redis.url);
    minutes[name] = (Date.now() - started) / 60_000;
    sections.push(markdown);
    failed ||= !ok;
  }
  const report = [await header(redis.port, minutes, commit, built), ...sections, ...keptSections()].join('\n\n') + '\n';
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), report);
  progress('wrote BENCHMARKS.md');
  if (failed) process.exitCode = 1;
});
