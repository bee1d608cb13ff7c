// Runs the service's bundle (scripts/bundle-service.mjs) with V8's code cache. Compiling the
// 12.7 MB bundle was a fifth of the cold start: V8 parsed all of it, then compiled each function
// it first called while Nest, Prisma and the rest set themselves up. The build evaluates the
// bundle once and saves what V8 compiled (`writeCodeCache`); a start hands that back to V8, which
// then neither parses nor compiles those functions again.
//
// The bundle is CommonJS and run through `vm.Script` because only a script takes a code cache on
// Node 20 (an ES module's compile cache came with Node 22). V8 checks a cache against its own
// version and flags, and against the source's length only: the cache carries the bundle's SHA-1,
// so a bundle rebuilt without its cache (or a cache of another build) is compiled as if there
// were none, never run with stale code.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';
import type * as Server from '../server.js';

/** The file beside the bundle that holds its code cache. */
export function codeCacheFile(bundleFile: string): string {
  return `${bundleFile}.cache`;
}

/** SHA-1 in hex: the cache's first 40 bytes. */
const HASH_LENGTH = 40;

/** A bundle compiled: its script, its bytes' SHA-1, and whether V8 took the saved code for it. */
export interface CompiledBundle {
  readonly script: vm.Script;
  readonly hash: string;
  readonly fromCache: boolean;
}

/** The bundle compiled, from its cache when there is one for these very bytes and V8 takes it. */
export function compileBundle(bundleFile: string): CompiledBundle {
  // ASCII only (the bundler escapes the rest), so latin1 reads it as one-byte text, the cheapest.
  const source = readFileSync(bundleFile);
  const hash = createHash('sha1').update(source).digest('hex');
  const cachedData = readCache(bundleFile, hash);
  const script = new vm.Script(Module.wrap(source.toString('latin1')), { filename: bundleFile, cachedData });
  return { script, hash, fromCache: cachedData !== undefined && !script.cachedDataRejected };
}

function readCache(bundleFile: string, hash: string): Buffer | undefined {
  let cache: Buffer;
  try {
    cache = readFileSync(codeCacheFile(bundleFile));
  } catch {
    return undefined;
  }
  return cache.subarray(0, HASH_LENGTH).toString('latin1') === hash ? cache.subarray(HASH_LENGTH) : undefined;
}

/** Runs the bundle's module code as Node's CommonJS loader would, `require` resolving beside it. */
function evaluate(script: vm.Script, bundleFile: string): typeof Server {
  const module = { exports: {} as typeof Server };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(bundleFile), module, bundleFile, dirname(bundleFile));
  return module.exports;
}

/** The service's entry points, from the bundle at `bundleFile`. */
export function loadBundledService(bundleFile: string): typeof Server {
  return evaluate(compileBundle(bundleFile).script, bundleFile);
}

/**
 * Evaluates the bundle (its modules set up, nothing started) and writes what V8 compiled beside
 * it. The build runs it in a process of its own, on the Node that will run the service: V8 refuses
 * a cache made by another version, which then costs only the compile it would have saved.
 */
export function writeCodeCache(bundleFile: string): void {
  const { script, hash } = compileBundle(bundleFile);
  evaluate(script, bundleFile);
  writeFileSync(codeCacheFile(bundleFile), Buffer.concat([Buffer.from(hash, 'latin1'), script.createCachedData()]));
}
