/**
 * The Lua scripts of rushnet: one file per atomic step, each opening with its contract (the
 * `--- @keys` and `--- @include` lines that registration reads, see contract.ts, then a comment
 * on its arguments and output). Shared pieces (`_*.lua`) are prepended to the scripts that
 * include them. A call goes as FCALL of the same script in rushnet's function library where
 * that is loaded (library.ts, library-loader.ts), else as EVALSHA (script-command.ts). Callers
 * use the typed wrappers of `calls.ts`, not these names.
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { explainRedisError, RushError } from '../../errors.js';
import { parseContract, type ScriptContract, splitShebang } from './contract.js';
import { buildLibrary, type FunctionLibrary } from './library.js';
import { loadLibraryOnReady } from './library-loader.js';
import { type ScriptArg, ScriptCommand } from './script-command.js';
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
export type { ScriptArg };

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
    const { shebang, body } = splitShebang(own);
    return [
      name,
      { contract, source: shebang + [...contract.includes.map(luaSource), body].join('\n') },
    ];
  }),
);

/** Every script as one function library, for the servers that take it. */
export const LIBRARY: FunctionLibrary = buildLibrary(
  SCRIPT_NAMES.map((name) => ({ name, source: luaSource(name) })),
  luaSource,
);

/** How each script is sent. */
const COMMANDS: ReadonlyMap<ScriptName, ScriptCommand> = new Map(
  [...SCRIPTS].map(([name, { source }]) => {
    const sha = createHash('sha1').update(source).digest('hex');
    return [name, new ScriptCommand(source, sha, LIBRARY.functions.get(name)!)];
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

/**
 * Prepares a connection for rushnet's scripts; call once per connection. Scripts need nothing
 * (each goes as EVAL the first time on a connection); the function library is loaded at every
 * ready where the user may (library-loader.ts).
 */
export function defineScripts(client: Redis | Cluster): void {
  loadLibraryOnReady(client, LIBRARY);
}

/** The arguments of a call: a free slot for the script, then numkeys, keys and arguments. */
function argsOf(call: ScriptCall<unknown>): ScriptArg[] {
  // Filled in place (this runs once per task).
  const { keys, args } = call;
  const all: ScriptArg[] = new Array(2 + keys.length + args.length);
  all[1] = keys.length;
  for (let i = 0; i < keys.length; i++) all[2 + i] = keys[i]!;
  for (let i = 0; i < args.length; i++) all[2 + keys.length + i] = args[i]!;
  return all;
}

function commandOf(call: ScriptCall<unknown>): ScriptCommand {
  const command = COMMANDS.get(call.script);
  if (!command) throw new RushError(`no script ${call.script}`);
  return command;
}

/** Runs a script call and returns its typed result. */
export async function runScript<R>(client: Redis | Cluster, call: ScriptCall<R>): Promise<R> {
  const command = commandOf(call);
  try {
    return call.parse(await command.execute(client, argsOf(call), call.binary));
  } catch (error) {
    throw explainRedisError(error);
  }
}

/** Queues a script call on a pipeline or transaction; read its reply with `parseReply`. */
export function queueScript(pipeline: ChainableCommander, call: ScriptCall<unknown>): void {
  const command = commandOf(call);
  // The pipeline holds the command's reply (and handles its rejection).
  void command.execute(pipeline as never, argsOf(call), call.binary);
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
