import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_LIMITS, RATE_ALGORITHMS } from '../../algorithms.js';
import { MAX_BATCH } from './consume-batcher.js';
import {
  BATCH_KEY_COUNTS,
  batchKeyCount,
  batchScriptSource,
  expandIncludes,
  SCRIPT_FILES,
  scriptSource,
  scriptSources,
} from './redis-scripts.js';

const SCRIPTS = new URL('./scripts/', import.meta.url);
const INCLUDES = new URL('./scripts/includes/', import.meta.url);
/** An include as it appears in a script: its own includes expanded (the prelude has the clock and the request). */
const include = (name: string) => expandIncludes(new URL(name, INCLUDES)).trimEnd();

describe('scriptSources', () => {
  it('lists every script file there is, each with a header naming its KEYS and ARGV', () => {
    const files = readdirSync(SCRIPTS).filter((name) => name.endsWith('.lua'));
    expect([...SCRIPT_FILES].sort()).toEqual(files.sort());
    for (const file of files) {
      const text = readFileSync(new URL(file, SCRIPTS), 'utf8');
      expect(text.startsWith('--[[')).toBe(true);
      expect(text).toMatch(/KEYS\[1\]|KEYS\[i\]/);
      expect(text).toMatch(/ARGV\[1\]/);
    }
  });

  it('gives every consume script with its includes expanded, in the order they depend on each other', () => {
    const includes = readdirSync(INCLUDES).filter((name) => name.endsWith('.lua'));
    expect(includes.sort()).toEqual([
      'clock.lua',
      'never-fits.lua',
      'penalty.lua',
      'prelude.lua',
      'reply.lua',
      'report.lua',
      'request.lua',
    ]);
    for (const [algorithm, lua] of Object.entries(scriptSources())) {
      expect(lua).not.toMatch(/@include/);
      // Concurrency has no penalty: it does not carry the code.
      const expected = algorithm === 'concurrency' ? includes.filter((n) => n !== 'penalty.lua') : includes;
      for (const name of expected) expect(lua.split(include(name))).toHaveLength(2);
      const at = (line: string) => lua.indexOf(line);
      expect(at('local keyAt, argAt')).toBeGreaterThan(0);
      expect(at('local now =')).toBeGreaterThan(at('local keyAt, argAt'));
      expect(at('local neverFits = false')).toBeGreaterThan(at('local now ='));
      expect(at('if neverFits then')).toBeGreaterThan(at('local neverFits = false'));
      if (algorithm !== 'concurrency') expect(at('if penalized then\n')).toBeGreaterThan(at('if neverFits then'));
      const head = 'reply[replyAt + 1], reply[replyAt + 2], reply[replyAt + 3] = allowed, now, retryAfter';
      expect(at(head)).toBeGreaterThan(at('if neverFits then'));
      expect(at(head)).toBeGreaterThan(at('if penalized then\n'));
      expect(lua.trimEnd().endsWith('return reply')).toBe(true);
    }
  });

  it('keeps every penalty command behind `if penalized`: a consume without one runs none of it', () => {
    const penalty = include('penalty.lua');
    const body = penalty.slice(penalty.indexOf(']]') + 2).trim();
    expect(body.startsWith('if penalized then')).toBe(true);
    expect(body.endsWith('end')).toBe(true);
    for (const algorithm of RATE_ALGORITHMS) {
      const lua = scriptSources()[algorithm];
      // Outside the penalty piece, nothing names its key.
      expect(lua.replace(penalty, '')).not.toMatch(/KEYS\[(keyAt \+ )?n \+ 1\]/);
    }
  });

  it('gives the refund and release scripts the clock, and none of the consume pieces', () => {
    for (const file of SCRIPT_FILES.filter((f) => f.endsWith('-refund.lua') || f.includes('release'))) {
      const lua = scriptSource(file);
      expect(lua.split(include('clock.lua'))).toHaveLength(2);
      expect(lua).not.toContain(include('prelude.lua'));
    }
  });
});

describe('batchScriptSource', () => {
  it.each(RATE_ALGORITHMS)(
    "wraps the whole %s consume script in a function reading one consume's keys and arguments in place",
    (algorithm) => {
      const batch = batchScriptSource(algorithm);
      // The consume script whole but for its clock (the batch reads TIME once, before every consume)
      // and its request: the batch sets where each consume's keys, arguments and reply are.
      const clock = include('clock.lua');
      const request = include('request.lua');
      const consume = scriptSources()[algorithm].replace(clock, '').replace(request, '');
      expect(consume).not.toContain("redis.call('TIME')");
      expect(batch).toContain(`local function consume()\n${consume}\nend`);
      // Every consume reads its part of the batch's KEYS and ARGV, never all of them.
      expect(batch).not.toMatch(/#KEYS|#ARGV/);
      expect(batch.indexOf(clock)).toBeLessThan(batch.indexOf('local function consume'));
      expect(batch.match(/redis\.call\('TIME'\)/g)).toHaveLength(1);
      expect(batch).not.toMatch(/^--- @(include|consume)/m);
      expect(batch.trimEnd().endsWith('return reply')).toBe(true);
    },
  );
});

describe('batchKeyCount', () => {
  it('pads a batch to the next registered key count, up to the largest batch there can be', () => {
    expect([2, 3, 4, 5, 16, 17].map(batchKeyCount)).toEqual([2, 4, 4, 8, 16, 32]);
    const most = MAX_BATCH * (MAX_LIMITS + 1);
    expect(batchKeyCount(most)).toBe(BATCH_KEY_COUNTS.at(-1));
    expect(() => batchKeyCount(BATCH_KEY_COUNTS.at(-1)! + 1)).toThrow(RangeError);
  });
});

describe('expandIncludes', () => {
  let dir: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  const url = (path: string) => pathToFileURL(join(dir, path));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fg-lua-includes-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('expands nested includes relative to the file naming them, each file once', () => {
    write('lib/clock.lua', 'local now = 1\n');
    write('lib/reply.lua', '--- @include "clock"\nlocal reply = {now}\n');
    write(
      'script.lua',
      '-- header\n--- @include "lib/clock.lua"\n--- @include "lib/reply"\n--- @include "lib/clock"\nreturn reply\n',
    );

    expect(expandIncludes(url('script.lua'))).toBe('-- header\nlocal now = 1\n\nlocal reply = {now}\n\nreturn reply\n');
  });

  it('leaves a line that only mentions @include alone', () => {
    write('script.lua', '-- see --- @include "x"\nlocal s = \'--- @include "x"\'\nreturn s\n');
    expect(expandIncludes(url('script.lua'))).toBe(readFileSync(join(dir, 'script.lua'), 'utf8'));
  });

  it('throws naming the script and the include when the include is missing', () => {
    write('broken.lua', '--- @include "includes/nope"\nreturn 1\n');
    expect(() => expandIncludes(url('broken.lua'))).toThrow(
      `Lua script broken.lua: --- @include "includes/nope" names no readable file: ${join(dir, 'includes/nope.lua')}`,
    );
  });

  it('names the including file too when a nested include is missing', () => {
    write('includes/reply.lua', '--- @include "gone"\n');
    write('broken.lua', '--- @include "includes/reply"\nreturn 1\n');
    expect(() => expandIncludes(url('broken.lua'))).toThrow(
      `Lua script broken.lua: --- @include "gone" (in reply.lua) names no readable file: ${join(dir, 'includes/gone.lua')}`,
    );
  });

  it('throws on an include cycle instead of dropping the inner line', () => {
    write('a.lua', '--- @include "b"\n');
    write('b.lua', '--- @include "a"\n');
    write('script.lua', '--- @include "a"\n');
    expect(() => expandIncludes(url('script.lua'))).toThrow(
      'Lua script script.lua: --- @include "a" (in b.lua) includes itself (a cycle)',
    );
  });
});
