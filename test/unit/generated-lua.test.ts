/**
 * src/generated/lua.ts (what the built package and the worker bundle run) is up to date with
 * src/redis/scripts/*.lua (what the tests run from the sources): it holds every file as it is
 * now, it is exactly what tools/gen-lua.mjs writes, and the built package assembles from it the
 * same scripts, includes and all, as the sources do.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LUA } from '../../src/generated/lua.js';
import { SCRIPT_SOURCES } from '../../src/redis/scripts/index.js';
import { repoRoot } from '../helpers/sources.js';

const scripts = new URL('../../src/redis/scripts/', import.meta.url);
const FIX = 'out of date: run `node tools/gen-lua.mjs` (or `npm run build`) and commit the file';

/** The script registry as the built package loads it: sources from LUA, not from the files. */
async function builtScripts(lua: Readonly<Record<string, string>>) {
  vi.resetModules();
  vi.doMock('../../src/module-paths.js', async (original) => ({
    ...(await original<typeof import('../../src/module-paths.js')>()),
    FROM_SOURCES: false,
  }));
  vi.doMock('../../src/generated/lua.js', () => ({ LUA: lua }));
  return import('../../src/redis/scripts/index.js');
}

describe('src/generated/lua.ts', () => {
  afterEach(() => {
    vi.doUnmock('../../src/module-paths.js');
    vi.doUnmock('../../src/generated/lua.js');
    vi.resetModules();
  });

  it('holds every .lua file of src/redis/scripts, as it is now', () => {
    const files = Object.fromEntries(
      readdirSync(scripts)
        .filter((file) => file.endsWith('.lua'))
        .map((file) => [file.slice(0, -4), readFileSync(new URL(file, scripts), 'utf8')]),
    );
    expect(Object.keys(LUA).sort(), FIX).toEqual(Object.keys(files).sort());
    for (const [name, source] of Object.entries(files))
      expect(LUA[name], `${name}: ${FIX}`).toBe(source);
  });

  it('is exactly what tools/gen-lua.mjs writes now (header, escaping and order included)', async () => {
    const check = promisify(execFile)(process.execPath, ['tools/gen-lua.mjs', '--check'], {
      cwd: repoRoot,
    });
    await expect(check, FIX).resolves.toBeDefined();
  });

  it('gives the built package the same scripts as the sources, includes and all', async () => {
    const built = await builtScripts(LUA);
    expect([...built.SCRIPT_SOURCES.keys()]).toEqual([...SCRIPT_SOURCES.keys()]);
    for (const [name, source] of SCRIPT_SOURCES)
      expect(built.SCRIPT_SOURCES.get(name), name).toBe(source);
  });

  it('is where the built package takes its scripts from: a source missing from it is an error', async () => {
    const { pop_task: _, ...withoutPop } = LUA;
    await expect(builtScripts(withoutPop)).rejects.toThrow(/no Lua source 'pop_task'/);
  });
});
