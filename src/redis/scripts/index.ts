/**
 * The Lua scripts of rushnet: one file per atomic step, each opening with its contract (the
 * `--- @keys` and `--- @include` lines that registration reads, see contract.ts, then a comment
 * on its arguments and output), registered on each connection with ioredis `defineCommand`
 * (which sends EVALSHA and falls back to EVAL on NOSCRIPT). Shared pieces (`_*.lua`) are
 * prepended to the scripts that include them. Callers use the typed wrappers of `calls.ts`,
 * not these names.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { explainRedisError, RushError } from '../../errors.js';
import { parseContract, type ScriptContract } from './contract.js';
import { luaSource } from './sources.js';

/** The scripts, by file name (a test keeps this list equal to the folder's scripts). */
export const SCRIPT_NAMES = [
  'push_tasks',
  'pop_task',
  'finish_tasks',
  'complete_and_pop',
  'fail_tasks',
  'cancel_tasks',
  'queued_count',
  'empty_queue',
  'read_collection',
  'vanished_finished',
  'read_hashes',
  'write_hashes',
  'wait_status',
  'register_worker',
  'lose_workers',
  'sweep_lost_tasks',
  'heartbeat',
  'worker_info',
  'recover_pending',
  'reset',
  'purge_trash',
] as const;

export type ScriptName = (typeof SCRIPT_NAMES)[number];
export type ScriptArg = string | Buffer | number;

/** One call of a script: its keys and arguments, and how to read its reply. */
export interface ScriptCall<R> {
  readonly script: ScriptName;
  readonly keys: readonly string[];
  readonly args: readonly ScriptArg[];
  /** Bulk replies as Buffers (task values are binary). */
  readonly binary: boolean;
  /** Turns the raw reply into the wrapper's typed result. */
  readonly parse: (raw: unknown) => R;
}

interface Script {
  readonly contract: ScriptContract;
  /** The full source: its includes, then its own file. */
  readonly source: string;
}

const SCRIPTS: ReadonlyMap<ScriptName, Script> = new Map(
  SCRIPT_NAMES.map((name) => {
    const own = luaSource(name);
    const contract = parseContract(name, own);
    // A shebang (`#!lua flags=no-writes`) must stay the first line of what Redis is sent.
    const shebang = own.startsWith('#!') ? own.slice(0, own.indexOf('\n') + 1) : '';
    const body = [...contract.includes.map(luaSource), own.slice(shebang.length)].join('\n');
    return [name, { contract, source: shebang + body }];
  }),
);

/** The contract each script declares. */
export function scriptContract(name: ScriptName): ScriptContract {
  return SCRIPTS.get(name)!.contract;
}

/** The number of KEYS a script takes (-1: variable, passed first). */
export function scriptKeyCount(name: ScriptName): number {
  const contract = scriptContract(name);
  return contract.variableKeys ? -1 : contract.keys.length;
}

/** The full source of each script: its includes, then its own file. */
export const SCRIPT_SOURCES: ReadonlyMap<ScriptName, string> = new Map(
  [...SCRIPTS].map(([name, script]) => [name, script.source]),
);

/** Registers every script on a connection; call once per connection. */
export function defineScripts(client: Redis): void {
  for (const [name, { contract, source }] of SCRIPTS) {
    const fixed = contract.variableKeys ? {} : { numberOfKeys: contract.keys.length };
    client.defineCommand(name, { lua: source, ...fixed });
  }
}

type ScriptMethod = (...args: ScriptArg[]) => unknown;

/** Each script's method names on a connection (text and Buffer replies), made once. */
const METHOD_NAMES: ReadonlyMap<ScriptName, { text: string; binary: string; variable: boolean }> =
  new Map(
    SCRIPT_NAMES.map((name) => [
      name,
      { text: name, binary: `${name}Buffer`, variable: SCRIPTS.get(name)!.contract.variableKeys },
    ]),
  );

function commandOf(target: object, call: ScriptCall<unknown>): [ScriptMethod, ScriptArg[]] {
  const names = METHOD_NAMES.get(call.script)!;
  const method = (target as Record<string, ScriptMethod>)[call.binary ? names.binary : names.text];
  if (!method) throw new RushError(`script ${call.script} is not defined on this connection`);
  // One array of keys then arguments, filled in place (this runs once per task).
  const { keys, args } = call;
  const offset = names.variable ? 1 : 0;
  const all: ScriptArg[] = new Array(offset + keys.length + args.length);
  if (names.variable) all[0] = keys.length;
  for (let i = 0; i < keys.length; i++) all[offset + i] = keys[i]!;
  for (let i = 0; i < args.length; i++) all[offset + keys.length + i] = args[i]!;
  return [method, all];
}

/** Runs a script call and returns its typed result. */
export async function runScript<R>(client: Redis, call: ScriptCall<R>): Promise<R> {
  const [method, args] = commandOf(client, call);
  try {
    return call.parse(await (method.apply(client, args) as Promise<unknown>));
  } catch (error) {
    throw explainRedisError(error);
  }
}

/** Queues a script call on a pipeline or transaction; read its reply with `parseReply`. */
export function queueScript(pipeline: ChainableCommander, call: ScriptCall<unknown>): void {
  const [method, args] = commandOf(pipeline, call);
  method.apply(pipeline, args);
}

/**
 * Results of a pipeline or transaction, checked: the first failed command throws (explained),
 * and an aborted transaction throws too. Nothing of a pipeline's replies goes unchecked.
 */
export function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new RushError('a Redis transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw explainRedisError(error);
    return value;
  });
}
