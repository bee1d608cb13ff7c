// `npm run build` (the service, src/ into dist/) and `node scripts/build.mjs limiter` (the library
// package, src/limiter/ into packages/limiter/dist/, which its prepack runs). Each: the output
// folder emptied, tsc, then the Lua scripts and the .proto files copied beside the JS that reads
// them at run time (src/limiter/store/redis/redis-scripts.ts and src/envoy/rls-protos.ts load them
// relative to their own URL). This is all
// `nest build` did with the tsc builder; the Nest CLI is not a dependency (its own dependencies
// want a newer Node than the one this project declares).
//
// `--transpile-only` (what `npm start` uses): each file compiled on its own, without type checking
// or declarations, about ten times faster than tsc. The output is the same JavaScript:
// `isolatedModules` is on, so every file already compiles alone (the type check, `npm run
// typecheck` and `npm test`, refuses anything that would not), decorator metadata included.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleService } from './bundle-service.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGETS = {
  service: { tsconfig: 'tsconfig.build.json', sourceRoot: 'src', outDir: 'dist', bundle: true },
  limiter: {
    tsconfig: 'packages/limiter/tsconfig.build.json',
    sourceRoot: 'src/limiter',
    outDir: 'packages/limiter/dist',
  },
};

const transpileOnly = process.argv.includes('--transpile-only');
const name = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'service';
const target = TARGETS[name];
if (target === undefined) {
  process.stderr.write(`usage: node scripts/build.mjs [${Object.keys(TARGETS).join('|')}]\n`);
  process.exit(2);
}

/** Files the JS reads at run time, copied beside it. */
const ASSETS = ['.lua', '.proto'];

function copyAssets(from, sourceRoot, outDir) {
  for (const item of readdirSync(from, { withFileTypes: true })) {
    const path = join(from, item.name);
    if (item.isDirectory()) copyAssets(path, sourceRoot, outDir);
    else if (ASSETS.some((extension) => item.name.endsWith(extension))) {
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

/** The files and options of the tsconfig, each file transpiled alone (ts.transpileModule). */
function transpile() {
  const ts = require('typescript');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, target.tsconfig),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  const compilerOptions = {
    ...parsed.options,
    // A file alone cannot tell its format from package.json ("type": "module", which nodenext
    // reads): every file here is an ES module.
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    declaration: false,
    declarationMap: false,
    noEmit: false,
  };
  for (const file of parsed.fileNames) {
    if (file.endsWith('.d.ts')) continue;
    const output = join(outDir, relative(sourceRoot, file)).replace(/\.ts$/, '.js');
    const { outputText, sourceMapText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions,
      fileName: relative(dirname(output), file),
    });
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, outputText);
    if (sourceMapText !== undefined) writeFileSync(`${output}.map`, sourceMapText);
  }
}

const outDir = join(root, target.outDir);
const sourceRoot = join(root, target.sourceRoot);
rmSync(outDir, { recursive: true, force: true });
if (transpileOnly) transpile();
else compile();
copyAssets(sourceRoot, sourceRoot, outDir);
// The one file dist/main.js starts from (scripts/bundle-service.mjs); the files stay beside it for
// tracing, the library entries and the tests.
if (target.bundle) await bundleService(outDir);
