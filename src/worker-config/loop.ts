/**
 * What a worker needs to know to run: the loop, its arguments, packages to import and log
 * settings. The manager stores it in Redis under the network, signed (signing.ts); each worker
 * reads it at start and checks the signature before decoding it with `decodeWorkerConfig`.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeValue, RushConfigError, RushInputError } from '../errors.js';
import type { LogThresholds } from '../plan.js';
import type { CheckedDurability } from '../rush/write-path.js';
import { containsUnreadable, decodeValue } from '../tasks/codec.js';
import type { RushWorker } from '../worker.js';

/**
 * The function form of a worker loop: called with the worker and the `args` of the start.
 * Written with method syntax so that its worker parameter is compared both ways: a loop may
 * annotate it with its own task types (`rush: RushWorker<{ x: number }, { y: number }>`).
 * @typeParam Args - the types of the loop's arguments after the worker (the `args` option)
 * @typeParam Worker - the worker the loop receives
 */
export type WorkerLoopFunction<
  Args extends unknown[] = unknown[],
  // biome-ignore lint/suspicious/noExplicitAny: a worker of any task types
  Worker extends RushWorker<any, any> = RushWorker,
> = {
  /** Runs on the worker; when it returns, the worker is done. */
  loop(rush: Worker, ...args: Args): unknown;
}['loop'];

/** A module whose export (`'default'` unless named) is a worker loop function. */
export interface WorkerLoopModule {
  /** A path, a `file:` URL string or a URL. */
  module: string | URL;
  /** The export's name. @default 'default' */
  export?: string;
}

/**
 * A worker loop: a self-contained function (sent to workers as source text; it may
 * `await import()` packages but must not use outer variables), or a module whose export is one.
 * @typeParam Args - the types of the loop's arguments after the worker (the `args` option)
 * @typeParam Worker - the worker the loop receives
 */
export type WorkerLoop<
  Args extends unknown[] = unknown[],
  // biome-ignore lint/suspicious/noExplicitAny: a worker of any task types
  Worker extends RushWorker<any, any> = RushWorker,
> = WorkerLoopFunction<Args, Worker> | WorkerLoopModule;

/** The field of the configuration hash that holds the latest configuration stored. */
export const LATEST_CONFIG = 'latest';

/** The loop as stored: source text, or a module URL and export name. */
export type StoredLoop = { source: string } | { module: string; export: string };

export interface WorkerConfig {
  loop: StoredLoop;
  args: unknown[];
  packages: string[];
  logThresholds: LogThresholds;
  logBufferSize: number;
  maxLogEntries: number;
  heartbeatPeriod?: number;
  heartbeatExpire?: number;
  /** The manager's durability setting: replicas each state change waits for. */
  durability?: CheckedDurability;
  /** The manager's `largeObjectsPath` (absolute), which the worker adopts. */
  largeObjectsPath?: string;
  /** The manager's `maxObjectSize`, when its plan set one. */
  maxObjectSize?: number;
}

/** Checks a loop argument and turns it into its stored form. */
export function storeLoop(loop: unknown): StoredLoop {
  if (typeof loop === 'function') {
    const source = Function.prototype.toString.call(loop);
    if (source.includes('[native code]'))
      throw new RushInputError('workerLoop', 'cannot be a native or bound function');
    try {
      // Methods print as `name(...) {...}`, which is not an expression: reject early.
      new Function(`return (${source});`);
    } catch {
      throw new RushInputError(
        'workerLoop',
        'must be a function expression or arrow function (a method shorthand cannot be sent as source)',
      );
    }
    return { source };
  }
  if (typeof loop === 'object' && loop !== null && 'module' in loop) {
    const { module, export: name = 'default' } = loop as { module: unknown; export?: unknown };
    if (typeof name !== 'string' || name === '')
      throw new RushInputError(
        'workerLoop.export',
        `must be a non-empty string, got ${describeValue(name)}`,
      );
    if (module instanceof URL) return { module: module.href, export: name };
    if (typeof module !== 'string' || module === '')
      throw new RushInputError(
        'workerLoop.module',
        `must be a path or URL, got ${describeValue(module)}`,
      );
    if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:\\/i.test(module))
      return { module, export: name };
    return {
      module: pathToFileURL(isAbsolute(module) ? module : resolve(module)).href,
      export: name,
    };
  }
  throw new RushInputError(
    'workerLoop',
    `must be a function or { module, export? }, got ${describeValue(loop)}`,
  );
}

/** esbuild's `__name` helper: sets a function's name. */
function keepName<T extends object>(target: T, value: string): T {
  return Object.defineProperty(target, 'name', { value, configurable: true });
}

/** Turns a stored loop back into a function. */
export async function loadLoop(
  loop: StoredLoop,
): Promise<(rush: RushWorker, ...args: unknown[]) => unknown> {
  if ('source' in loop) {
    // Evaluated in global scope: the loop sees only globals; its dynamic imports resolve from here.
    // A loop compiled by esbuild (tsx, vitest) calls `__name` to keep the names of the functions
    // it defines: that helper is handed to it, as it lived in the manager's module scope.
    const fn: unknown = new Function('__name', `return (${loop.source});`)(keepName);
    if (typeof fn !== 'function')
      throw new RushConfigError('the stored worker loop is not a function');
    return fn as (rush: RushWorker, ...args: unknown[]) => unknown;
  }
  const module = (await import(loop.module)) as Record<string, unknown>;
  const fn = module[loop.export];
  if (typeof fn !== 'function') {
    throw new RushConfigError(
      `module ${loop.module} has no function export named '${loop.export}'`,
    );
  }
  return fn as (rush: RushWorker, ...args: unknown[]) => unknown;
}

/**
 * Decodes a stored configuration (after its signature was checked: its large-object reference,
 * if any, is trusted). @throws RushConfigError when it is not a worker configuration.
 */
export function decodeWorkerConfig(raw: Buffer, networkId: string): WorkerConfig {
  const broken = (why: string) =>
    new RushConfigError(`the worker configuration of network '${networkId}' ${why}`);
  let config: unknown;
  try {
    config = decodeValue(raw, { trusted: true });
  } catch {
    throw broken('cannot be decoded');
  }
  if (containsUnreadable(config)) throw broken('refers to a file that cannot be read');
  const c = config as Partial<WorkerConfig> | null;
  const loop = c?.loop as Record<string, unknown> | undefined;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof loop !== 'object' ||
    loop === null ||
    !(
      typeof loop.source === 'string' ||
      (typeof loop.module === 'string' && typeof loop.export === 'string')
    ) ||
    !Array.isArray(c.args) ||
    !Array.isArray(c.packages)
  ) {
    throw broken('is not a worker configuration');
  }
  return c as WorkerConfig;
}
