/**
 * The Lua scripts of rushnet, one file per atomic step, registered on each connection with
 * ioredis `defineCommand` (which sends EVALSHA and falls back to EVAL on NOSCRIPT).
 * Each file opens with its contract: keys, arguments, output.
 */
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';
import { explainRedisError, RushError } from '../../errors.js';
import { fieldKinds } from '../../tasks/rows.js';
import type { RushKeys } from '../keys.js';

/**
 * Script name → number of KEYS it takes (-1: variable, passed first), and whether it uses the
 * MessagePack helpers of _msgpack.lua (prepended to its source).
 */
const SCRIPTS = {
  push_tasks: { keys: 3, msgpack: true },
  pop_task: { keys: 4 },
  finish_tasks: { keys: 3, msgpack: true },
  fail_tasks: { keys: 3 },
  empty_queue: { keys: 2 },
  read_collection: { keys: 1, msgpack: true },
  vanished_finished: { keys: 1 },
  read_hashes: { keys: 0 },
  write_hashes: { keys: 1 },
  wait_status: { keys: 1 },
  register_worker: { keys: 6 },
  lose_workers: { keys: 4 },
  worker_info: { keys: 2 },
  reset: { keys: -1 },
} as const satisfies Record<string, { keys: number; msgpack?: boolean }>;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | Buffer | number;

const read = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
const msgpackHelpers = read('_msgpack.lua');
const sources = new Map<ScriptName, string>();
for (const [name, spec] of Object.entries(SCRIPTS) as [
  ScriptName,
  { keys: number; msgpack?: boolean },
][]) {
  sources.set(name, (spec.msgpack ? `${msgpackHelpers}\n` : '') + read(`${name}.lua`));
}

/** Registers every script on a connection; call once per connection. */
export function defineScripts(client: Redis): void {
  for (const [name, spec] of Object.entries(SCRIPTS) as [ScriptName, { keys: number }][]) {
    client.defineCommand(name, {
      lua: sources.get(name)!,
      ...(spec.keys >= 0 ? { numberOfKeys: spec.keys } : {}),
    });
  }
}

type ScriptMethod = (...args: ScriptArg[]) => unknown;

function scriptMethod(target: object, name: ScriptName, buffers: boolean): ScriptMethod {
  const method = (target as Record<string, ScriptMethod>)[buffers ? `${name}Buffer` : name];
  if (!method) throw new Error(`script ${name} is not defined on this connection`);
  return method;
}

/** Arguments in the order the command takes them; variable-key scripts get the key count first. */
function commandArgs(
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): ScriptArg[] {
  return SCRIPTS[name].keys < 0 ? [keys.length, ...keys, ...args] : [...keys, ...args];
}

/** Runs a script. `buffers` asks for bulk replies as Buffers (task values are binary). */
export function runScript<T>(
  client: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  buffers = false,
): Promise<T> {
  const reply = scriptMethod(client, name, buffers).apply(
    client,
    commandArgs(name, keys, args),
  ) as Promise<T>;
  return reply.catch((error: unknown) => {
    throw explainRedisError(error);
  });
}

/** Queues a script on a pipeline or transaction; its reply comes with `exec()`. */
export function queueScript(
  pipeline: ChainableCommander,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  buffers = false,
): void {
  scriptMethod(pipeline, name, buffers).apply(pipeline, commandArgs(name, keys, args));
}

/** Arguments of the read_collection script for items `from..to` (lists only) of a collection. */
export function readCollectionArgs(
  keys: RushKeys,
  kind: 'list' | 'set',
  from: number,
  to: number,
  fields: readonly string[],
): ScriptArg[] {
  return [kind, keys.taskPrefix, from, to, fieldKinds(fields), ...fields];
}

/** Results of pipelines and transactions, throwing the first error. */
export function unwrap(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new RushError('a Redis transaction was aborted');
  return results.map(([error, value]) => {
    if (error) throw explainRedisError(error);
    return value;
  });
}
