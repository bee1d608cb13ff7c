import { readFileSync } from 'node:fs';
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

let sources: Readonly<Record<Algorithm, string>> | undefined;

/** The Lua source of every script, read once from the `.lua` files beside this module. */
export function scriptSources(): Readonly<Record<Algorithm, string>> {
  sources ??= Object.fromEntries(
    ALGORITHMS.map((algorithm) => [
      algorithm,
      readFileSync(new URL(`./scripts/${SCRIPT_FILE[algorithm]}`, import.meta.url), 'utf8'),
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
