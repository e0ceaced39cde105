/**
 * The one way a wrapper of calls.ts or worker-calls.ts makes a `ScriptCall`: the script's
 * name, its KEYS and ARGV, and how to read its reply.
 */
import type { ScriptArg, ScriptCall, ScriptName } from './index.js';

const asIs = <R>(raw: unknown) => raw as R;

export function call<R>(
  script: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  binary = false,
  parse: (raw: unknown) => R = asIs,
): ScriptCall<R> {
  return { script, keys, args, binary, parse };
}
