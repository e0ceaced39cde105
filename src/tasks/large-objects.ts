/**
 * Large objects (docs/concepts.md, large objects): values too big for one Redis value live in files under a directory
 * that every participant can read (e.g. a shared file system); Redis holds a reference.
 * A network's files go to a directory of its own under `largeObjectsPath`, which `reset()`
 * removes; a write that fails removes the files it made. Reading them back is
 * object-files.ts (only regular files inside `largeObjectsPath`).
 */
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RushConfigError } from '../errors.js';
import { checkDirectory } from '../validate.js';
import { encodeValue, LargeObjectRef } from './codec.js';
import { objectDirectory, removeNetworkObjects } from './object-files.js';

/**
 * Writes `value` to a new file in the directory `path` and returns a reference to it.
 * A reference can be stored in any task field; readers resolve it to the value when the file
 * is inside their `largeObjectsPath` (so pass that directory, or one inside it).
 */
export function storeLargeObject(value: unknown, path: string): LargeObjectRef {
  checkDirectory('path', path);
  const file = join(resolve(path), `rush-object-${randomUUID()}.msgpack`);
  writeFileSync(file, encodeValue(value, 'value'), { flag: 'wx' });
  return new LargeObjectRef(file);
}

/** Where values over the size limit go; `path` undefined means they are refused. */
export interface LargeObjectPolicy {
  maxObjectSize: number;
  path: string | undefined;
  /** The network whose directory receives the files. */
  networkId: string;
}

/** What a large object belongs to: task data (removed by any reset) or a worker configuration. */
export type LargeObjectKind = 'task' | 'config';

/**
 * Files written by the write call in progress (see {@link removingFilesOnFailure}). A plain
 * variable, not an AsyncLocalStorage (which slows every promise of the process on Node 20):
 * the task writer encodes every value synchronously, before its first `await`.
 */
let written: string[] | undefined;

/**
 * Returns the encoded value, or the encoded reference to a file holding it when it is larger
 * than the policy allows.
 */
export function encodeWithinLimit(
  value: unknown,
  argument: string,
  policy: LargeObjectPolicy,
  kind: LargeObjectKind = 'task',
): Buffer {
  const encoded = encodeValue(value, argument);
  if (encoded.length <= policy.maxObjectSize) return encoded;
  if (policy.path === undefined) {
    throw new RushConfigError(
      `\`${argument}\` is ${encoded.length} bytes encoded, over the limit of ${policy.maxObjectSize} bytes ` +
        '(`maxObjectSize`, by default what the Redis server accepts: the smaller of its ' +
        'proto-max-bulk-len and half its client-query-buffer-limit). ' +
        'Set `largeObjectsPath` with rushPlan() to store large values in files.',
    );
  }
  checkDirectory('largeObjectsPath', policy.path);
  const dir = objectDirectory(policy.path, policy.networkId, kind);
  const file = join(dir, `rush-object-${randomUUID()}.msgpack`);
  writeFileSync(file, encoded, { flag: 'wx' });
  written?.push(file);
  return encodeValue(new LargeObjectRef(file), argument);
}

/**
 * Wraps an object whose methods write values (the task writer): when a call fails, the large
 * object files it wrote are removed, so a rejected batch leaves no file behind. A failure
 * that reports part of the call as written (`error.written`, a non-empty list) keeps them:
 * the written tasks refer to them.
 */
export function removingFilesOnFailure<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, name, receiver) {
      const member = Reflect.get(object, name, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        const files: string[] = [];
        const cleanUp = (error: unknown) => {
          if (!partlyWritten(error)) for (const file of files) rmSync(file, { force: true });
          throw error;
        };
        const outer = written;
        written = files;
        try {
          const result = member.apply(object, args);
          return result instanceof Promise ? result.catch(cleanUp) : result;
        } catch (error) {
          return cleanUp(error);
        } finally {
          written = outer;
        }
      };
    },
  });
}

function partlyWritten(error: unknown): boolean {
  const list = (error as { written?: unknown } | null)?.written;
  return Array.isArray(list) && list.length > 0;
}

/**
 * Removes the network's large object files on reset: all of them with `workers`, else those of
 * its tasks (the stored worker configurations stay).
 */
export function removeLargeObjects(policy: LargeObjectPolicy, options: { workers: boolean }): void {
  if (policy.path !== undefined) removeNetworkObjects(policy.path, policy.networkId, options);
}
