/**
 * A Lua script's contract, declared in its own file's first lines and nowhere else:
 *   --- @keys running finished finishedRecords
 *   --- @include _msgpack _finish_task
 * (after a `#!lua flags=…` line, which must stay the script's first). `@keys` names the
 * script's KEYS in order, each by the `RushKeys` member that gives it (`a|b` when a caller
 * passes one of several; a last `...` when more follow, passed with their count); `@include`
 * names the shared pieces prepended to it, in order. Registration (index.ts) and the wrappers'
 * test read the contract from here.
 */

export interface ScriptContract {
  /** KEYS in order, by RushKeys member (alternatives split on `|`). */
  readonly keys: readonly (readonly string[])[];
  /** More keys follow the declared ones: the count is passed first (`numberOfKeys` unset). */
  readonly variableKeys: boolean;
  /** Shared pieces (`_*.lua`) prepended to the script, in order. */
  readonly includes: readonly string[];
}

const DECLARATION = /^--- @(keys|include)\b(.*)$/;

/** The contract of a script from its source; throws when it declares no keys. */
export function parseContract(name: string, source: string): ScriptContract {
  let keys: string[] | undefined;
  let includes: string[] = [];
  for (const line of source.split('\n')) {
    if (line.startsWith('#!')) continue; // a shebang (`#!lua flags=no-writes`) stays first
    const match = DECLARATION.exec(line);
    if (!match) break; // declarations come first
    const words = match[2]!.trim().split(/\s+/).filter(Boolean);
    if (match[1] === 'keys') keys = words;
    else includes = words;
  }
  // Every script takes at least one key of its network, so a Cluster client routes it to the
  // network's hash slot.
  if (!keys || keys.length === 0 || keys[0] === '...') {
    throw new Error(`${name}.lua declares no keys: its first line must be '--- @keys …'`);
  }
  const variableKeys = keys[keys.length - 1] === '...';
  if (variableKeys) keys.pop();
  return { keys: keys.map((key) => key.split('|')), variableKeys, includes };
}

/**
 * A script's shebang line (`#!lua flags=no-writes`, with its newline; '' when none) and the
 * rest: the shebang must stay the first line of whatever is sent, the rest may be wrapped.
 */
export function splitShebang(source: string): { shebang: string; body: string } {
  if (!source.startsWith('#!')) return { shebang: '', body: source };
  const end = source.indexOf('\n') + 1;
  return { shebang: source.slice(0, end), body: source.slice(end) };
}
