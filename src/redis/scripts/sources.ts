/**
 * The text of one of rushnet's Lua files (this folder's `*.lua`), by name without `.lua`.
 * From the TypeScript sources (tests, tsx) the file is read when asked for, so an edited script
 * takes effect at once. The build replaces this module: tools/gen-lua.mjs writes
 * dist/redis/scripts/sources.js holding every text as a string (the worker bundle takes that
 * one too), so the package reads no file next to its modules.
 */
import { readFileSync } from 'node:fs';

export function luaSource(name: string): string {
  return readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
}
