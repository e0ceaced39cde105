/**
 * Large objects (SPEC §7): values too big for one Redis value live in files under a directory
 * that every participant can read (e.g. a shared file system); Redis holds a reference.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RushConfigError } from '../errors.js';
import { checkDirectory } from '../validate.js';
import { encodeValue, LargeObjectRef } from './codec.js';

/**
 * Writes `value` to a new file in the directory `path` and returns a reference to it.
 * A reference can be stored in any task field; readers resolve it to the value.
 */
export function storeLargeObject(value: unknown, path: string): LargeObjectRef {
  checkDirectory('path', path);
  const file = join(resolve(path), `rush-object-${randomUUID()}.msgpack`);
  writeFileSync(file, encodeValue(value, 'value'));
  return new LargeObjectRef(file);
}

/** Where values over the size limit go; `path` undefined means they are refused. */
export interface LargeObjectPolicy {
  maxObjectSize: number;
  path: string | undefined;
}

/**
 * Returns the encoded value, or the encoded reference to a file holding it when it is larger
 * than the policy allows.
 */
export function encodeWithinLimit(
  value: unknown,
  argument: string,
  policy: LargeObjectPolicy,
): Buffer {
  const encoded = encodeValue(value, argument);
  if (encoded.length <= policy.maxObjectSize) return encoded;
  if (policy.path === undefined) {
    throw new RushConfigError(
      `\`${argument}\` is ${encoded.length} bytes encoded, over the limit of ${policy.maxObjectSize} bytes ` +
        "(`maxObjectSize`, by default the Redis server's proto-max-bulk-len). " +
        'Set `largeObjectsPath` with rushPlan() to store large values in files.',
    );
  }
  checkDirectory('largeObjectsPath', policy.path);
  const file = join(resolve(policy.path), `rush-object-${randomUUID()}.msgpack`);
  writeFileSync(file, encoded);
  return encodeValue(new LargeObjectRef(file), argument);
}
