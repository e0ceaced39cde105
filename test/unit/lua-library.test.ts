/**
 * The function library is built from the scripts' own files (src/redis/scripts/library.ts):
 * one function per script with its flags, the includes once at the top level in an order
 * every script agrees with, `--- @per-call` lines run at each call. (That Redis takes it is
 * test/integration/function-library.test.ts's part.)
 */
import { describe, expect, it } from 'vitest';
import { LIBRARY, SCRIPT_NAMES } from '../../src/redis/scripts/index.js';
import { buildLibrary, includeOrder } from '../../src/redis/scripts/library.js';

const INCLUDES: Record<string, string> = {
  _a: 'local char = string.char --- @per-call\nlocal function a() return char(65) end\n',
  _b: 'local count = 0 --- @per-call\nlocal function b() count = count + 1 return a() end\n',
};
const include = (name: string) => INCLUDES[name]!;

describe('the function library', () => {
  it('holds a function for every script, named by the library', () => {
    expect(LIBRARY.name).toMatch(/^rushnet_[0-9a-f]{16}$/);
    expect([...LIBRARY.functions.keys()].sort()).toEqual([...SCRIPT_NAMES].sort());
    for (const [script, fn] of LIBRARY.functions) {
      expect(fn).toBe(`${LIBRARY.name}_${script}`);
      expect(LIBRARY.source).toContain(`function_name = '${fn}'`);
    }
    expect(LIBRARY.source.startsWith(`#!lua name=${LIBRARY.name}\n`)).toBe(true);
  });

  it('keeps a script’s flags and declares its per-call lines at the top, assigned per call', () => {
    const library = buildLibrary(
      [
        {
          name: 'reads',
          source: '#!lua flags=no-writes\n--- @keys a\n--- @include _a\nreturn a()\n',
        },
        { name: 'writes', source: '--- @keys a\n--- @include _a _b\nreturn b()\n' },
      ],
      include,
    );
    const text = library.source;
    expect(text).toContain('local char\nlocal function a()');
    expect(text).toContain('local count\nlocal function b()');
    expect(text).not.toContain('string.char --- @per-call');
    expect(text).toMatch(
      /function_name = 'rushnet_\w+_reads', flags = \{'no-writes'\},\ncallback = function\(KEYS, ARGV\)\nchar = string\.char\ncount = 0\n/,
    );
    expect(text).toMatch(/function_name = 'rushnet_\w+_writes', flags = \{\},/);
    // The top level comes once, before the functions.
    expect(text.split('local function a()').length).toBe(2);
  });

  it('is named by its text: another text, another name', () => {
    const one = buildLibrary([{ name: 's', source: '--- @keys a\nreturn 1\n' }], include);
    const two = buildLibrary([{ name: 's', source: '--- @keys a\nreturn 2\n' }], include);
    expect(one.name).not.toBe(two.name);
  });

  it('refuses two includes that declare one name', () => {
    const clash = (name: string) =>
      name === '_b' ? 'local function a() return 1 end\n' : include(name);
    expect(() =>
      buildLibrary([{ name: 's', source: '--- @keys a\n--- @include _a _b\nreturn 1\n' }], clash),
    ).toThrow(/_b\.lua declares a, which _a\.lua declares/);
  });

  it('orders the includes as every script does, and refuses scripts that disagree', () => {
    expect(
      includeOrder([
        { name: 'x', includes: ['_m', '_p'] },
        { name: 'y', includes: ['_m', '_f', '_p'] },
        { name: 'z', includes: ['_r'] },
      ]),
    ).toEqual(['_m', '_f', '_p', '_r']);
    expect(() =>
      includeOrder([
        { name: 'x', includes: ['_m', '_p'] },
        { name: 'y', includes: ['_p', '_m'] },
      ]),
    ).toThrow(/different orders/);
  });
});
