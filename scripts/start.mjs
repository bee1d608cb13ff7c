// `npm start`: builds the service when dist/main.js is missing or older than any file under src/,
// then runs it. The build here is the quick one (each file transpiled alone, no type check, no
// declarations: a few seconds instead of tsc's twelve or so); `npm test` and `npm run typecheck`
// check the types, `npm run build` is the full tsc build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    newest = Math.max(newest, item.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(entry).mtimeMs;
  } catch {
    return 0;
  }
}

/** Runs a script of this package with this Node, exiting with its status when it fails. */
function run(script, ...args) {
  const result = spawnSync(process.execPath, [join(root, script), ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (builtAt() < newestMtime(join(root, 'src'))) {
  process.stderr.write('floodgate: building (dist/main.js is missing or older than src/)\n');
  // The Prisma client first (nothing to do when up to date): it is compiled with the rest.
  run('prisma/generate.mjs');
  run('scripts/build.mjs', '--transpile-only');
}

// Imported rather than spawned: the service runs in this process, so signals reach it directly.
await import(entry);
