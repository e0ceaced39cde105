/**
 * The Lua scripts of rushnet, one file per atomic step, registered on each connection with
 * ioredis `defineCommand` (which sends EVALSHA and falls back to EVAL on NOSCRIPT).
 * Each file opens with its contract: keys, arguments, output.
 */
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/** Script name → number of KEYS it takes. */
const SCRIPTS = {
  push_tasks: 2,
  pop_task: 3,
  finish_tasks: 2,
  fail_tasks: 3,
  empty_queue: 2,
  read_collection: 1,
  read_hashes: 0,
  write_hashes: 1,
  wait_status: 1,
  register_worker: 6,
  lose_workers: 4,
  worker_info: 2,
  reset: -1,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | Buffer | number;

const sources = new Map<ScriptName, string>();
for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
  sources.set(name, readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8'));
}

/** Registers every script on a connection; call once per connection. */
export function defineScripts(client: Redis): void {
  for (const [name, keys] of Object.entries(SCRIPTS) as [ScriptName, number][]) {
    client.defineCommand(name, {
      lua: sources.get(name)!,
      ...(keys >= 0 ? { numberOfKeys: keys } : {}),
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
  return SCRIPTS[name] < 0 ? [keys.length, ...keys, ...args] : [...keys, ...args];
}

/** Runs a script. `buffers` asks for bulk replies as Buffers (task values are binary). */
export function runScript<T>(
  client: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  buffers = false,
): Promise<T> {
  return scriptMethod(client, name, buffers).apply(
    client,
    commandArgs(name, keys, args),
  ) as Promise<T>;
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
