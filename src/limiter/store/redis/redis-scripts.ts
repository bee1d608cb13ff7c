import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { ALGORITHMS, MAX_LIMITS, type Algorithm } from '../../algorithms.js';

const SCRIPT_FILE: Readonly<Record<Algorithm, string>> = {
  sliding_window: 'sliding-window.lua',
  sliding_log: 'sliding-log.lua',
  token_bucket: 'token-bucket.lua',
  fixed_window: 'fixed-window.lua',
  gcra: 'gcra.lua',
};

const COMMAND_STEM: Readonly<Record<Algorithm, string>> = {
  sliding_window: 'floodgateSlidingWindow',
  sliding_log: 'floodgateSlidingLog',
  token_bucket: 'floodgateTokenBucket',
  fixed_window: 'floodgateFixedWindow',
  gcra: 'floodgateGcra',
};

/**
 * The ioredis command running `algorithm`'s script over `limits` keys, e.g.
 * `floodgateGcra-2` (prefixed: a client may be shared with other code).
 */
export function scriptCommand(algorithm: Algorithm, limits: number): string {
  return `${COMMAND_STEM[algorithm]}-${limits}`;
}

/** A whole line `--- @include "<path>"`, BullMQ's syntax (a Lua comment, so the file still parses alone). */
const INCLUDE_LINE = /^--- @include "([^"\r\n]+)"[ \t]*$/gm;

/**
 * Reads the Lua file at `file` with every `--- @include "<path>"` line replaced by that file's
 * text, its own includes expanded the same way. A path is relative to the file naming it, `.lua`
 * optional: `--- @include "includes/prelude"` in `scripts/gcra.lua` is `scripts/includes/prelude.lua`.
 * Each file goes in once, where it is first named (a later line naming it again is dropped), so
 * two includes can share a third. Redis gets one self-contained script: EVALSHA has no includes.
 *
 * Throws, naming the script and the include, when an include names no file or includes itself.
 */
export function expandIncludes(file: URL): string {
  const script = basename(fileURLToPath(file));
  const included = new Set<string>([file.href]);

  const expand = (url: URL, text: string, chain: readonly string[]): string =>
    text.replace(INCLUDE_LINE, (_line, path: string) => {
      const target = new URL(path.endsWith('.lua') ? path : `${path}.lua`, url);
      const where = url.href === file.href ? '' : ` (in ${basename(fileURLToPath(url))})`;
      if (chain.includes(target.href)) {
        throw new Error(`Lua script ${script}: --- @include "${path}"${where} includes itself (a cycle)`);
      }
      if (included.has(target.href)) return '';
      included.add(target.href);
      let body: string;
      try {
        body = readFileSync(target, 'utf8');
      } catch (error) {
        throw new Error(
          `Lua script ${script}: --- @include "${path}"${where} names no readable file: ${fileURLToPath(target)}`,
          { cause: error },
        );
      }
      // The include line keeps its own line break.
      return expand(target, body, [...chain, target.href]).replace(/\r?\n$/, '');
    });

  return expand(file, readFileSync(file, 'utf8'), [file.href]);
}

let sources: Readonly<Record<Algorithm, string>> | undefined;

/**
 * The Lua source of every script as Redis runs it: read once from the `.lua` files beside this
 * module, includes expanded (see {@link expandIncludes}).
 */
export function scriptSources(): Readonly<Record<Algorithm, string>> {
  sources ??= Object.fromEntries(
    ALGORITHMS.map((algorithm) => [
      algorithm,
      expandIncludes(new URL(`./scripts/${SCRIPT_FILE[algorithm]}`, import.meta.url)),
    ]),
  ) as Record<Algorithm, string>;
  return sources;
}

/**
 * Registers every script on `client` with `defineCommand`: ioredis sends EVALSHA, and on NOSCRIPT
 * (a flushed script cache, a restarted or failed-over server) loads the script again by itself.
 *
 * Each script is registered once per number of keys (1 to MAX_LIMITS), like BullMQ's
 * `<name>-<numKeys>`: with a fixed key count ioredis knows which arguments are keys, which
 * auto-pipelining on a Cluster needs to group commands by slot (with a variable count it would
 * take the key count for the key and mix slots in one pipeline). Same source, same SHA.
 */
export function defineScripts(client: Redis | Cluster): void {
  const lua = scriptSources();
  for (const algorithm of ALGORITHMS) {
    for (let keys = 1; keys <= MAX_LIMITS; keys++) {
      client.defineCommand(scriptCommand(algorithm, keys), { lua: lua[algorithm], numberOfKeys: keys });
    }
  }
}
