/**
 * The Lua scripts of rushnet: one file per atomic step, each opening with its contract (keys,
 * arguments, output), registered on each connection with ioredis `defineCommand` (which sends
 * EVALSHA and falls back to EVAL on NOSCRIPT). Shared pieces (`_*.lua`) are prepended to the
 * scripts that include them. Callers use the typed wrappers of `calls.ts`, not these names.
 */
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';
import { explainRedisError, RushError } from '../../errors.js';
import { LUA } from '../../generated/lua.js';
import { FROM_SOURCES } from '../../module-paths.js';

/**
 * Script name → the number of KEYS it takes (-1: variable, passed first) and the shared pieces
 * it includes. Every script takes at least one key of its network, so a Redis Cluster client
 * routes it to the network's hash slot.
 */
const SCRIPTS = {
  push_tasks: { keys: 3, includes: ['_msgpack'] },
  pop_task: { keys: 6, includes: ['_msgpack', '_pop'] },
  finish_tasks: { keys: 3, includes: ['_msgpack', '_fail_task', '_finish_task'] },
  complete_and_pop: { keys: 9, includes: ['_msgpack', '_fail_task', '_finish_task', '_pop'] },
  fail_tasks: { keys: 4, includes: ['_msgpack', '_fail_task'] },
  cancel_tasks: { keys: 5, includes: ['_msgpack', '_fail_task'] },
  empty_queue: { keys: 3, includes: ['_msgpack', '_fail_task'] },
  read_collection: { keys: 1, includes: ['_msgpack'] },
  queued_count: { keys: 2 },
  vanished_finished: { keys: 1 },
  read_hashes: { keys: 1 },
  write_hashes: { keys: 2, includes: ['_msgpack'] },
  wait_status: { keys: 1 },
  register_worker: { keys: 6 },
  lose_workers: { keys: 7, includes: ['_msgpack', '_fail_task', '_fail_owned'] },
  sweep_lost_tasks: { keys: 6, includes: ['_msgpack', '_fail_task', '_fail_owned'] },
  heartbeat: { keys: 2 },
  worker_info: { keys: 2 },
  recover_pending: { keys: 2 },
  reset: { keys: -1 },
  purge_trash: { keys: 1 },
} as const satisfies Record<string, { keys: number; includes?: readonly string[] }>;

export type ScriptName = keyof typeof SCRIPTS;
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

/**
 * The source of one Lua file, by name without `.lua`. The built package (and the one-file
 * worker bundle) takes it from src/generated/lua.ts, generated at build time; from the
 * TypeScript sources (tests, tsx) it reads the file itself, so an edited script takes effect
 * without a build.
 */
function read(name: string): string {
  if (FROM_SOURCES) return readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
  const source = LUA[name];
  if (source === undefined) throw new RushError(`no Lua source '${name}' in the build`);
  return source;
}

/** The full source of each script: its includes, then its own file. */
export const SCRIPT_SOURCES: ReadonlyMap<ScriptName, string> = new Map(
  (Object.entries(SCRIPTS) as [ScriptName, { includes?: readonly string[] }][]).map(
    ([name, spec]) => [name, [...(spec.includes ?? []).map(read), read(name)].join('\n')],
  ),
);

/** The number of KEYS a script takes (-1: variable). */
export function scriptKeyCount(name: ScriptName): number {
  return SCRIPTS[name].keys;
}

/** Registers every script on a connection; call once per connection. */
export function defineScripts(client: Redis): void {
  for (const [name, source] of SCRIPT_SOURCES) {
    const keys = SCRIPTS[name].keys;
    client.defineCommand(name, { lua: source, ...(keys >= 0 ? { numberOfKeys: keys } : {}) });
  }
}

type ScriptMethod = (...args: ScriptArg[]) => unknown;

function commandOf(target: object, call: ScriptCall<unknown>): [ScriptMethod, ScriptArg[]] {
  const name = call.binary ? `${call.script}Buffer` : call.script;
  const method = (target as Record<string, ScriptMethod>)[name];
  if (!method) throw new RushError(`script ${call.script} is not defined on this connection`);
  const variable = SCRIPTS[call.script].keys < 0;
  return [
    method,
    variable ? [call.keys.length, ...call.keys, ...call.args] : [...call.keys, ...call.args],
  ];
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
