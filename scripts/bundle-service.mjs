// The service as one file, dist/server.bundle.cjs, which dist/main.js runs when tracing is off,
// and its V8 code cache, dist/server.bundle.cjs.cache (src/startup/bundled-service.ts).
// Starting the service imported about 2,600 files (Nest, swagger, class-validator, rxjs,
// es-toolkit's 428 alone): resolving, reading and compiling them was most of its cold start
// (BENCHMARKS.md, "Cold start"). One file is read and compiled once.
//
// The bundle keeps what each file finds relative to itself: every `import.meta.url`, `__dirname`
// and `__filename` is rewritten to the file's own place (the Lua scripts, the .proto files, the
// Prisma engine's WASM, swagger-ui's assets, the package root are read where they are today), so
// the bundle runs from dist/ beside node_modules/ exactly as the files it was made of. Packages the
// frameworks load only when installed (`@nestjs/microservices`, `@fastify/view`, ...) stay
// requires and fail at run time as they would unbundled.
//
// The bundle is CommonJS, the form a code cache can be given to on Node 20, though most of what it
// holds is ES modules: the bundler converts them (it refuses a top-level await, which the service
// has none of), and every `import()` becomes a `require()`, since a script compiled with a code
// cache loses the dynamic-import hook Node gives it ("A dynamic import callback was not specified").
// Those requires go through `__fgRequire`, the bundle's own: Emscripten's glue (PGlite's) declares
// a `var require` of its own in the very function that imported `node:module` to make it.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

/** What runs first in the bundle: the helpers the rewritten files call. */
const BANNER = [
  // All of it strict, as in an ES module; a directive counts only as the first statement.
  "'use strict';",
  'const __fgRequire = require;',
  "const { fileURLToPath: __fgFileURLToPath, pathToFileURL: __fgPathToFileURL } = require('node:url');",
  'const __fgBase = __fgPathToFileURL(__filename);',
  'const __fgUrl = (path) => new URL(path, __fgBase).href;',
  'const __fgPath = (path) => __fgFileURLToPath(new URL(path, __fgBase));',
].join('\n');

/** What an ES module reads of `import.meta` (beside `url`), as CommonJS has it. */
const IMPORT_META = [
  // @nestjs/terminus checks that optional packages are installed.
  [/\bimport\.meta\.resolve\(/g, 'require.resolve('],
  [/\bimport\.meta\.dirname\b/g, '__dirname'],
];

/**
 * An ES module that makes itself a `require` (`createRequire(import.meta.url)`) to load optional
 * packages hides them from the bundler, which would leave them to be loaded from node_modules at
 * run time: a second copy of class-validator or @nestjs/swagger beside the bundled one, with
 * metadata of its own (@nestjs/mapped-types and @nestjs/terminus do this). Without the line, those
 * calls are plain require() calls, which the bundler resolves into the bundle.
 */
const OWN_REQUIRE = /^const require = createRequire\(import\.meta\.url\);$/m;

function keepFileLocations(outDir) {
  const fromBundle = (path) => `./${relative(outDir, path).split(sep).join('/')}`;
  return {
    name: 'keep-file-locations',
    setup(build) {
      build.onResolve({ filter: /^[@a-z]/ }, async (args) => {
        if (args.pluginData === 'probe') return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'probe',
        });
        return found.errors.length > 0 ? { path: args.path, external: true } : undefined;
      });
      build.onLoad({ filter: /\.(m?js|cjs)$/ }, async (args) => {
        const original = await readFile(args.path, 'utf8');
        let text = original.replace(OWN_REQUIRE, '');
        for (const [pattern, replacement] of IMPORT_META) text = text.replace(pattern, replacement);
        if (text.includes('import.meta.url')) {
          text = text.replaceAll('import.meta.url', `__fgUrl(${JSON.stringify(fromBundle(args.path))})`);
        }
        if (/\b__(dirname|filename)\b/.test(text)) {
          const dir = JSON.stringify(fromBundle(dirname(args.path)));
          const file = JSON.stringify(fromBundle(args.path));
          text = `var __dirname = __fgPath(${dir}); var __filename = __fgPath(${file});\n${text}`;
        }
        return text === original ? undefined : { contents: text, loader: 'js' };
      });
    },
  };
}

/**
 * `keepNames` keeps `name` right where the bundler renamed a class or function (Nest shows class
 * names in log contexts and errors), by a `__name(fn, "name")` call after each function's
 * declaration. Inside a function that call runs on every call of the enclosing one: Fastify's hook
 * runner declares three functions per request, and the calls were 4.5% of a node's CPU under
 * `/v1/check` load (CPU profile). Where the name it sets is the one the function already has, the
 * call changes nothing: those are dropped.
 */
const SAME_NAME = /^[ \t]*__name\(([A-Za-z_$][\w$]*), "\1"\);\n/gm;

/**
 * The other form keepNames emits, `const onResFinished = __name((err) => { ... }, "onResFinished")`,
 * also names a function after the binding it is assigned to: the one JavaScript gives an anonymous
 * function assigned there (`const x = () => {}` is named "x"), had the call not taken it out of that
 * place. Fastify's `setupResponseListeners` runs one per request, the limiter and the Redis deadline
 * more: 2.3% of a node's CPU under `/v1/check` load (CPU profile, `__name` and the `defineProperty`
 * it calls). Those calls become the bare function, with the same name, found by a parse (not a
 * pattern: a function's body runs over many lines).
 */
export function unwrapInferredNames(text) {
  const source = ts.createSourceFile('server.bundle.js', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  // What goes: `/* @__PURE__ */ __name(` before the function and `, "name")` after it. The function
  // stays as it is, calls of its own inside included, so the cuts never overlap.
  const cuts = [];
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)) {
      const call = node.initializer;
      if (call !== undefined && ts.isIdentifier(node.name) && isSameNameCall(call, node.name.text)) {
        const fn = call.arguments[0];
        const start = call.getStart(source);
        const pure = text.lastIndexOf(PURE, start);
        const from = pure !== -1 && text.slice(pure + PURE.length, start).trim() === '' ? pure : start;
        cuts.push([from, fn.getStart(source)], [fn.getEnd(), call.getEnd()]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  cuts.sort((a, b) => a[0] - b[0]);
  let result = '';
  let at = 0;
  for (const [from, to] of cuts) {
    result += text.slice(at, from);
    at = to;
  }
  return result + text.slice(at);
}

const PURE = '/* @__PURE__ */';

/** `__name(<anonymous function or arrow>, "<name>")`. */
function isSameNameCall(node, name) {
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== '__name')
    return false;
  const [fn, value] = node.arguments;
  return (
    node.arguments.length === 2 &&
    ((ts.isFunctionExpression(fn) && fn.name === undefined) || ts.isArrowFunction(fn)) &&
    ts.isStringLiteral(value) &&
    value.text === name &&
    // `__proto__: value` in an object literal sets the prototype and names nothing.
    name !== '__proto__'
  );
}

/**
 * Every character outside ASCII as a `\\uXXXX` escape: the same text to JavaScript (the few there
 * are sit in strings, regular expressions and comments), and a source V8 keeps one byte a character.
 */
const toAscii = (text) => text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Bundles `<outDir>/server.js` (already compiled) into `<outDir>/server.bundle.cjs`, then writes
 * its code cache with the Node running this.
 */
export async function bundleService(outDir) {
  const esbuild = await import('esbuild');
  const outfile = join(outDir, 'server.bundle.cjs');
  const { outputFiles } = await esbuild.build({
    entryPoints: [join(outDir, 'server.js')],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    // Nest names providers and errors by their class names.
    keepNames: true,
    logLevel: 'warning',
    banner: { js: BANNER },
    plugins: [keepFileLocations(outDir)],
  });
  const text = unwrapInferredNames(outputFiles[0].text.replace(SAME_NAME, '')).replaceAll(
    '__toESM(require(',
    '__toESM(__fgRequire(',
  );
  await writeFile(outfile, toAscii(text));
  const loader = pathToFileURL(join(outDir, 'startup', 'bundled-service.js')).href;
  await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '--eval',
    `(await import(${JSON.stringify(loader)})).writeCodeCache(${JSON.stringify(outfile)}); process.exit(0);`,
  ]);
}
