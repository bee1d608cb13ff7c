import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';
import { MAX_LIMITS, RATE_ALGORITHMS, type Algorithm, type RateAlgorithm } from '../../algorithms.js';
import { MAX_BATCH } from './consume-batcher.js';

/** The consume script of each algorithm (for `concurrency`: acquiring a lease). */
const CONSUME_FILE: Readonly<Record<Algorithm, string>> = {
  sliding_window: 'sliding-window.lua',
  sliding_log: 'sliding-log.lua',
  token_bucket: 'token-bucket.lua',
  fixed_window: 'fixed-window.lua',
  gcra: 'gcra.lua',
  concurrency: 'concurrency-acquire-1.lua',
};

const REFUND_FILE: Readonly<Record<RateAlgorithm, string>> = {
  sliding_window: 'sliding-window-refund.lua',
  sliding_log: 'sliding-log-refund.lua',
  token_bucket: 'token-bucket-refund.lua',
  fixed_window: 'fixed-window-refund.lua',
  gcra: 'gcra-refund.lua',
};

const RELEASE_FILE = 'concurrency-release-1.lua';

/** Wraps a rate algorithm's consume script into one that runs several consumes: see the file. */
const BATCH_FILE = 'batch.lua';
const BATCH_SLOT = /^--- @consume\n/m;

/** Every script file the store runs, beside this module under `scripts/`. */
export const SCRIPT_FILES: readonly string[] = [
  ...Object.values(CONSUME_FILE),
  ...Object.values(REFUND_FILE),
  RELEASE_FILE,
  BATCH_FILE,
];

const COMMAND_STEM: Readonly<Record<Algorithm, string>> = {
  sliding_window: 'floodgateSlidingWindow',
  sliding_log: 'floodgateSlidingLog',
  token_bucket: 'floodgateTokenBucket',
  fixed_window: 'floodgateFixedWindow',
  gcra: 'floodgateGcra',
  concurrency: 'floodgateConcurrency',
};

/**
 * The ioredis command running `algorithm`'s consume script over `keys` keys, e.g.
 * `floodgateGcra-2` (prefixed: a client may be shared with other code). With a penalty a consume
 * has one key more than it has limits.
 */
export function scriptCommand(algorithm: Algorithm, keys: number): string {
  return `${COMMAND_STEM[algorithm]}-${keys}`;
}

/** The command running `algorithm`'s refund script over `keys` limits, e.g. `floodgateGcraRefund-2`. */
export function refundCommand(algorithm: RateAlgorithm, keys: number): string {
  return `${COMMAND_STEM[algorithm]}Refund-${keys}`;
}

/**
 * The command running `algorithm`'s batch of consumes over `keys` keys (every batched consume's
 * keys together), e.g. `floodgateGcraBatch-12`.
 */
export function batchCommand(algorithm: RateAlgorithm, keys: number): string {
  return `${COMMAND_STEM[algorithm]}Batch-${keys}`;
}

/** The command releasing a concurrency lease. */
export const RELEASE_COMMAND = 'floodgateConcurrencyRelease-1';

/** A whole line `--- @include "<path>"`, BullMQ's syntax (a Lua comment, so the file still parses alone). */
const INCLUDE_LINE = /^--- @include "([^"\r\n]+)"[ \t]*$/gm;

/**
 * Reads the Lua file at `file` with every `--- @include "<path>"` line replaced by that file's
 * text, its own includes expanded the same way. A path is relative to the file naming it, `.lua`
 * optional: `--- @include "includes/prelude"` in `scripts/gcra.lua` is `scripts/includes/prelude.lua`.
 * Each file goes in once, where it is first named (a later line naming it again is dropped), so
 * two includes can share a third. Redis gets one self-contained script: EVALSHA has no includes.
 *
 * `provided`: files the text will be placed inside of, which already define what they define:
 * their include lines are dropped.
 *
 * Throws, naming the script and the include, when an include names no file or includes itself.
 */
export function expandIncludes(file: URL, provided: readonly URL[] = []): string {
  const script = basename(fileURLToPath(file));
  // Files the caller provides around this one are dropped like a second include of them.
  const included = new Set<string>([file.href, ...provided.map((url) => url.href)]);

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

const expanded = new Map<string, string>();

/**
 * What batch.lua defines for the consumes it runs, left out of their scripts: the clock, read once
 * for all of them, and where each one's input and reply are.
 */
const BATCH_PROVIDED = ['includes/clock.lua', 'includes/request.lua'];

function scriptUrl(file: string): URL {
  return new URL(`./scripts/${file}`, import.meta.url);
}

/** One script file's source as Redis runs it: read once, includes expanded (see {@link expandIncludes}). */
export function scriptSource(file: string): string {
  let source = expanded.get(file);
  if (source === undefined) {
    source = expandIncludes(scriptUrl(file));
    expanded.set(file, source);
  }
  return source;
}

/**
 * `algorithm`'s batch script as Redis runs it: batch.lua around the consume script. Throws when
 * batch.lua lost its slot.
 */
export function batchScriptSource(algorithm: RateAlgorithm): string {
  const file = CONSUME_FILE[algorithm];
  let source = expanded.get(`batch:${file}`);
  if (source === undefined) {
    const wrapper = scriptSource(BATCH_FILE);
    if (!BATCH_SLOT.test(wrapper)) throw new Error(`Lua script ${BATCH_FILE} has no --- @consume line`);
    // A function as the replacement: `$` in a script must stay as it is.
    const consume = expandIncludes(scriptUrl(file), BATCH_PROVIDED.map(scriptUrl));
    source = wrapper.replace(BATCH_SLOT, () => `${consume}\n`);
    expanded.set(`batch:${file}`, source);
  }
  return source;
}

/** The consume script of every algorithm as Redis runs it (`concurrency`'s acquires a lease). */
export function scriptSources(): Readonly<Record<Algorithm, string>> {
  return Object.fromEntries(
    Object.entries(CONSUME_FILE).map(([algorithm, file]) => [algorithm, scriptSource(file)]),
  ) as Record<Algorithm, string>;
}

/**
 * Registers every script on `client` with `defineCommand`: ioredis sends EVALSHA, and on NOSCRIPT
 * (a flushed script cache, a restarted or failed-over server) loads the script again by itself.
 *
 * Each script is registered once per number of keys it may get, like BullMQ's `<name>-<numKeys>`:
 * with a fixed key count ioredis knows which arguments are keys, which a Cluster client needs to
 * send each command to its slot's master, and an auto-pipelining one to group commands by slot
 * (with a variable count it would take the key count for the key). Same source, same SHA. A rate
 * consume may get 1 to MAX_LIMITS limit keys plus a penalty key; a refund 1 to MAX_LIMITS;
 * concurrency scripts one; a batch one of `BATCH_KEY_COUNTS`.
 */
export function defineScripts(client: Redis | Cluster): void {
  for (const algorithm of RATE_ALGORITHMS) {
    for (let keys = 1; keys <= MAX_LIMITS + 1; keys++) {
      client.defineCommand(scriptCommand(algorithm, keys), {
        lua: scriptSource(CONSUME_FILE[algorithm]),
        numberOfKeys: keys,
      });
    }
    for (const keys of BATCH_KEY_COUNTS) {
      client.defineCommand(batchCommand(algorithm, keys), { lua: batchScriptSource(algorithm), numberOfKeys: keys });
    }
    for (let keys = 1; keys <= MAX_LIMITS; keys++) {
      client.defineCommand(refundCommand(algorithm, keys), {
        lua: scriptSource(REFUND_FILE[algorithm]),
        numberOfKeys: keys,
      });
    }
  }
  client.defineCommand(scriptCommand('concurrency', 1), {
    lua: scriptSource(CONSUME_FILE.concurrency),
    numberOfKeys: 1,
  });
  client.defineCommand(RELEASE_COMMAND, { lua: scriptSource(RELEASE_FILE), numberOfKeys: 1 });
}

/**
 * The key counts a batch command is registered for: powers of two, up to the most keys a batch can
 * have (MAX_BATCH consumes of one more key than MAX_LIMITS). Registering every count would be
 * hundreds of commands, and ioredis copies every command onto each pipeline it creates (every
 * flush of an auto-pipelining client). A batch is padded up to the next count (see batch.lua).
 */
export const BATCH_KEY_COUNTS: readonly number[] = (() => {
  const counts = [2];
  while (counts.at(-1)! < MAX_BATCH * (MAX_LIMITS + 1)) counts.push(2 * counts.at(-1)!);
  return counts;
})();

/** The key count of the batch command that takes `keys` keys: the smallest registered one that holds them. */
export function batchKeyCount(keys: number): number {
  const count = BATCH_KEY_COUNTS.find((registered) => registered >= keys);
  if (count === undefined) throw new RangeError(`a batch of ${keys} keys is more than any batch command takes`);
  return count;
}
