// `npm run build` (the service, src/ into dist/) and `node scripts/build.mjs limiter` (the library
// package, src/limiter/ into packages/limiter/dist/, which its prepack runs). Each: the output
// folder emptied, tsc, then the Lua scripts copied beside the JS that reads them at run time
// (src/limiter/store/redis/redis-scripts.ts loads them relative to its own URL). This is all
// `nest build` did with the tsc builder; the Nest CLI is not a dependency (its own dependencies
// want a newer Node than the one this project declares).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = {
  service: { tsconfig: 'tsconfig.build.json', sourceRoot: 'src', outDir: 'dist' },
  limiter: { tsconfig: 'packages/limiter/tsconfig.build.json', sourceRoot: 'src/limiter', outDir: 'packages/limiter/dist' },
};

const name = process.argv[2] ?? 'service';
const target = TARGETS[name];
if (target === undefined) {
  process.stderr.write(`usage: node scripts/build.mjs [${Object.keys(TARGETS).join('|')}]\n`);
  process.exit(2);
}

function copyLua(from, sourceRoot, outDir) {
  for (const item of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, item.name);
    if (item.isDirectory()) copyLua(path, sourceRoot, outDir);
    else if (item.name.endsWith('.lua')) {
      const to = join(outDir, relative(sourceRoot, path));
      mkdirSync(dirname(to), { recursive: true });
      cpSync(path, to);
    }
  }
}

const require = createRequire(join(root, 'package.json'));

function compile() {
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, target.tsconfig)], {
      cwd: root,
      stdio: 'inherit',
    });
  } catch {
    // tsc has printed the errors.
    process.exit(1);
  }
}

const outDir = join(root, target.outDir);
const sourceRoot = join(root, target.sourceRoot);
rmSync(outDir, { recursive: true, force: true });
compile();
copyLua(sourceRoot, sourceRoot, outDir);
