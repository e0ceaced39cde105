/**
 * rushnet's scripts as one Redis function library (Redis 7's FUNCTION LOAD / FCALL), built
 * from the same Lua files as the scripts (docs/architecture.md, "Scripts and functions").
 *
 * Why: an EVALSHA runs its whole source at every call, the shared pieces it includes too,
 * so Redis made their ~20 closures and tables again per call (~40,000 instructions for the
 * finish and pop scripts, more than some of the work). A library's top level runs once, at
 * load; each call runs only its function's own body.
 *
 * How: the includes (`_*.lua`) go once at the library's top level, in an order that keeps
 * every script's own include order; each script's body becomes a function
 * `rushnet_<hash>_<script>` taking `(KEYS, ARGV)`, so the bodies read as they do as scripts.
 * A library's top level may use no global but `redis` and keeps its state between calls, so a
 * line marked `--- @per-call` (`local a, b = x, y --- @per-call`) is declared where it stands
 * and assigned at the start of every function. Its name holds a hash of its text: a library
 * on the server is this build's or none, and versions side by side do not clash.
 */
import { createHash } from 'node:crypto';
import { parseContract, splitShebang } from './contract.js';

/** A script's parts as the library needs them. */
export interface LibraryScript {
  readonly name: string;
  /** The script's own file, as read. */
  readonly source: string;
}

export interface FunctionLibrary {
  /** `rushnet_<hash>`: the library's name on the server. */
  readonly name: string;
  /** The text FUNCTION LOAD takes. */
  readonly source: string;
  /** The function of each script, by script name. */
  readonly functions: ReadonlyMap<string, string>;
}

const PER_CALL = /^local ([\w, ]+?) = (.+?)\s*--- @per-call\s*$/;
const SHEBANG_FLAGS = /^#!lua(?:.*\bflags=([\w,-]*))?/;

/** Builds the library from the scripts and a reader of the includes' text. */
export function buildLibrary(
  scripts: readonly LibraryScript[],
  include: (name: string) => string,
): FunctionLibrary {
  const contracts = scripts.map((s) => ({ ...s, contract: parseContract(s.name, s.source) }));
  const order = includeOrder(
    contracts.map((s) => ({ name: s.name, includes: s.contract.includes })),
  );
  const top: string[] = [];
  const perCall: string[] = [];
  const declared = new Map<string, string>();
  for (const name of order) {
    for (const line of include(name).split('\n')) {
      const local = /^local (?:function )?([\w, ]+?)(?: =|\(|$)/.exec(line);
      if (local) {
        for (const variable of local[1]!.split(',').map((v) => v.trim())) {
          const first = declared.get(variable);
          // One top level for all includes: a name two of them declare would change meaning.
          if (first)
            throw new Error(`${name}.lua declares ${variable}, which ${first}.lua declares`);
          declared.set(variable, name);
        }
      }
      const mark = PER_CALL.exec(line);
      if (mark) {
        top.push(`local ${mark[1]}`);
        perCall.push(`${mark[1]} = ${mark[2]}`);
      } else {
        top.push(line);
      }
    }
  }
  const body = [...top, ''].join('\n');
  const hash = createHash('sha1')
    .update(body)
    .update(contracts.map((s) => s.source).join('\0'))
    .digest('hex')
    .slice(0, 16);
  const name = `rushnet_${hash}`;
  const functions = new Map<string, string>();
  const registrations = contracts.map(({ name: script, source }) => {
    const fn = `${name}_${script}`;
    functions.set(script, fn);
    const { shebang, body: own } = splitShebang(source);
    const flags = (SHEBANG_FLAGS.exec(shebang)?.[1] ?? '').split(',').filter(Boolean);
    return [
      `redis.register_function{function_name = '${fn}', flags = {${flags.map((f) => `'${f}'`).join(', ')}},`,
      'callback = function(KEYS, ARGV)',
      ...perCall,
      own.trimEnd(),
      'end}',
    ].join('\n');
  });
  return { name, source: `#!lua name=${name}\n${body}${registrations.join('\n')}\n`, functions };
}

/**
 * One order of all includes that keeps each script's include order (its pieces build on the
 * ones before); throws when two scripts order them differently.
 */
export function includeOrder(scripts: readonly { name: string; includes: readonly string[] }[]) {
  const after = new Map<string, Set<string>>();
  for (const { includes } of scripts) {
    includes.forEach((name, i) => {
      const before = after.get(name) ?? new Set<string>();
      for (const earlier of includes.slice(0, i)) before.add(earlier);
      after.set(name, before);
    });
  }
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`the scripts include ${name}.lua in different orders`);
    visiting.add(name);
    for (const earlier of after.get(name)!) visit(earlier);
    visiting.delete(name);
    order.push(name);
  };
  for (const { includes } of scripts) for (const name of includes) visit(name);
  return order;
}
