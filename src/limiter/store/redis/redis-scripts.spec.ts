import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALGORITHMS } from '../../algorithms.js';
import { expandIncludes, scriptSources } from './redis-scripts.js';

const INCLUDES = new URL('./scripts/includes/', import.meta.url);

describe('scriptSources', () => {
  const includes = readdirSync(INCLUDES).filter((name) => name.endsWith('.lua'));

  it('gives every script with its includes expanded: no @include line left', () => {
    expect(includes.sort()).toEqual(['never-fits.lua', 'prelude.lua', 'reply.lua']);
    for (const algorithm of ALGORITHMS) {
      const lua = scriptSources()[algorithm];
      expect(lua).not.toMatch(/@include/);
      for (const name of includes) {
        const text = readFileSync(new URL(name, INCLUDES), 'utf8').trimEnd();
        expect(lua.split(text)).toHaveLength(2);
      }
      // In the order the pieces depend on each other.
      const at = (line: string) => lua.indexOf(line);
      expect(at('local neverFits = false')).toBeGreaterThan(0);
      expect(at('if neverFits then')).toBeGreaterThan(at('local neverFits = false'));
      expect(at('local reply = {allowed, now, retryAfter}')).toBeGreaterThan(at('if neverFits then'));
      expect(lua.trimEnd().endsWith('return reply')).toBe(true);
    }
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
