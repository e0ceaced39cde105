/**
 * Argument checks shared by the public methods. Each throws {@link RushInputError} naming the
 * argument, and runs before anything touches Redis.
 */
import { existsSync, statSync } from 'node:fs';
import { describeValue, RushInputError } from './errors.js';
import { RESERVED_FIELDS, TASK_STATES } from './tasks/states.js';
import type { Condition } from './types.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An options argument: `undefined` or a plain object with only the known keys. */
export function checkOptions<T extends object>(
  name: string,
  options: T | undefined,
  known: readonly (keyof T & string)[],
): Partial<T> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) {
    throw new RushInputError(name, `must be an options object, got ${describeValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new RushInputError(
        `${name}.${key}`,
        `is not a known option (known: ${known.join(', ')})`,
      );
    }
  }
  return options;
}

/** An array of plain objects, e.g. `xss`. */
export function checkObjectArray(name: string, value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) {
    throw new RushInputError(name, `must be an array of objects, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!isPlainObject(value[i])) {
      throw new RushInputError(
        `${name}[${i}]`,
        `must be a plain object, got ${describeValue(value[i])}`,
      );
    }
  }
  return value;
}

/**
 * An array of objects that goes with `n` tasks: absent, or of length `n`, or of length 1
 * (used for every task).
 */
export function checkCompanion(
  name: string,
  value: unknown,
  n: number,
): Record<string, unknown>[] | undefined {
  if (value === undefined) return undefined;
  const array = checkObjectArray(name, value);
  if (array.length !== n && array.length !== 1) {
    throw new RushInputError(
      name,
      `must have length ${n} (one per task) or 1, got length ${array.length}`,
    );
  }
  return array;
}

/** A list of task keys. */
export function checkKeys(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new RushInputError(name, `must be an array of task keys, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string' || value[i] === '') {
      throw new RushInputError(
        `${name}[${i}]`,
        `must be a non-empty string, got ${describeValue(value[i])}`,
      );
    }
  }
  return value;
}

/** A list of field names. */
export function checkFields(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw new RushInputError(name, `must be an array of field names, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    const field = value[i];
    if (typeof field !== 'string' || field === '') {
      throw new RushInputError(
        `${name}[${i}]`,
        `must be a non-empty string, got ${describeValue(field)}`,
      );
    }
    if (field === 'key')
      throw new RushInputError(`${name}[${i}]`, 'cannot be "key": every row has its key');
  }
  return value;
}

/**
 * The longest time rushnet hands to Redis or a timer: 2^31 - 1 seconds (about 68 years). Redis
 * refuses larger expiries and blocking timeouts; `Infinity` (where allowed) means "forever".
 */
export const MAX_SECONDS = 2 ** 31 - 1;

/**
 * A time in seconds: a non-negative number up to `max` (default {@link MAX_SECONDS}),
 * `Infinity` only where allowed. `-0` comes back as `0`.
 */
export function checkSeconds(
  name: string,
  value: unknown,
  { infinite = false, max = MAX_SECONDS } = {},
): number {
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    value >= 0 &&
    (value <= max || (infinite && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    const what = infinite
      ? `a non-negative number of seconds up to ${max} (or Infinity)`
      : `a finite non-negative number of seconds up to ${max}`;
    throw new RushInputError(name, `must be ${what}, got ${describeValue(value)}`);
  }
  return value === 0 ? 0 : value;
}

/** A positive integer, e.g. a count, up to `max` (default: the largest safe integer). */
export function checkPositiveInteger(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RushInputError(
      name,
      `must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${describeValue(value)}`,
    );
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new RushInputError(name, `must be true or false, got ${describeValue(value)}`);
  return value;
}

/** A list of task states. */
export function checkStates(name: string, value: unknown): (typeof TASK_STATES)[number][] {
  if (!Array.isArray(value)) {
    throw new RushInputError(name, `must be an array of states, got ${describeValue(value)}`);
  }
  for (let i = 0; i < value.length; i++) {
    if (!(TASK_STATES as readonly unknown[]).includes(value[i])) {
      throw new RushInputError(
        `${name}[${i}]`,
        `must be one of ${TASK_STATES.join(', ')}, got ${describeValue(value[i])}`,
      );
    }
  }
  return value;
}

/** The longest network id, in Unicode code points. */
export const MAX_NETWORK_ID_LENGTH = 256;

/**
 * A network id: 1 to 256 Unicode code points, none of them a control or format character
 * (they would reach terminals, logs and file names), and no braces (they would break the
 * Redis Cluster hash tag that keeps a network's keys in one slot).
 */
export function checkNetworkId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new RushInputError(name, `must be a non-empty string, got ${describeValue(value)}`);
  }
  const problem = networkIdProblem(value);
  if (problem !== undefined) {
    throw new RushInputError(name, `${problem}, got ${describeValue(value)}`);
  }
  return value;
}

function networkIdProblem(value: string): string | undefined {
  // Short ids are the rule: count code points only when UTF-16 units allow more than the limit.
  if (value.length > MAX_NETWORK_ID_LENGTH && [...value].length > MAX_NETWORK_ID_LENGTH)
    return `must be at most ${MAX_NETWORK_ID_LENGTH} characters (Unicode code points)`;
  if (/[{}]/.test(value)) return 'must not contain braces ({ or })';
  const control = /\p{Cc}|\p{Cf}/u.exec(value);
  if (control !== null) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `must not contain control or format characters (found U+${code})`;
  }
  if (/\p{Cs}/u.test(value)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  return undefined;
}

/**
 * Property names of a row that rushnet sets itself (docs/concepts.md, rows): an input or output object
 * holding one would shadow them when its properties are spread into the row.
 */
export const ROW_NAMES: ReadonlySet<string> = new Set([
  'key',
  'state',
  'worker_id',
  'condition',
  'created_at',
  'started_at',
  'finished_at',
  'tries',
]);

/**
 * Objects whose properties become row properties (xs, ys, xs_extra, ys_extra): none may be named
 * like a row's own properties. A cheap walk over each object's own keys.
 */
export function checkRowNames(name: string, objects: readonly object[]): void {
  for (let i = 0; i < objects.length; i++) {
    for (const property in objects[i]) {
      if (ROW_NAMES.has(property)) throw rowNameError(`${name}[${i}]`, objects[i]!);
    }
  }
}

/** {@link checkRowNames} for one object, e.g. a `processTasks` handler's result. */
export function checkObjectRowNames(name: string, object: object): void {
  for (const property in object) if (ROW_NAMES.has(property)) throw rowNameError(name, object);
}

/**
 * The fields `writeHashes` may write: not a row's own names (a task's state, owner, condition,
 * times and tries change only through the task methods), nor rushnet's internal fields.
 */
export function checkWritableFields(name: string, fields: readonly string[]): void {
  for (const field of fields) {
    if (ROW_NAMES.has(field) || RESERVED_FIELDS.includes(field)) {
      throw new RushInputError(
        `${name}.${field}`,
        "is rushnet's own field: a task's key, state, owner, condition, times and tries " +
          `change only through the task methods (reserved: ${[...ROW_NAMES, ...RESERVED_FIELDS].join(', ')})`,
      );
    }
  }
}

function rowNameError(name: string, object: object): RushInputError {
  const found = Object.keys(object).filter((p) => ROW_NAMES.has(p));
  const many = found.length > 1;
  return new RushInputError(
    name,
    `has ${many ? 'properties' : 'a property'} named ${found.map((p) => `"${p}"`).join(', ')}, ` +
      `which rushnet sets in every row itself (reserved: ${[...ROW_NAMES].join(', ')}): ` +
      `rename ${many ? 'them' : 'it'}`,
  );
}

/** Checks heartbeat settings; returns [period, expire] (both undefined without heartbeat). */
export function checkHeartbeat(
  period: unknown,
  expire: unknown,
): [number | undefined, number | undefined] {
  if (period === undefined) {
    if (expire !== undefined)
      throw new RushInputError('heartbeatExpire', 'needs `heartbeatPeriod` to be set');
    return [undefined, undefined];
  }
  if (
    typeof period !== 'number' ||
    !Number.isInteger(period) ||
    period < 1 ||
    period > MAX_SECONDS
  ) {
    throw new RushInputError(
      'heartbeatPeriod',
      `must be an integer number of seconds from 1 to ${MAX_SECONDS}, got ${describeValue(period)}`,
    );
  }
  // The default expiry stays within what Redis accepts, and never below the period.
  if (expire === undefined) return [period, Math.min(3 * period, MAX_SECONDS)];
  if (
    typeof expire !== 'number' ||
    !Number.isInteger(expire) ||
    expire < period ||
    expire > MAX_SECONDS
  ) {
    throw new RushInputError(
      'heartbeatExpire',
      `must be an integer number of seconds from heartbeatPeriod (${period}) to ${MAX_SECONDS}, got ${describeValue(expire)}`,
    );
  }
  return [period, expire];
}

/** Conditions of failed tasks: objects with a string `message`, one per task or one for all. */
export function checkConditions(name: string, value: unknown, n: number): Condition[] | undefined {
  const conditions = checkCompanion(name, value, n);
  conditions?.forEach((c, i) => {
    if (typeof c.message !== 'string') {
      throw new RushInputError(
        `${name}[${i}].message`,
        `must be a string, got ${describeValue(c.message)}`,
      );
    }
  });
  return conditions as Condition[] | undefined;
}

/** An existing directory. The message names the path in full (a cut path names no directory). */
export function checkDirectory(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new RushInputError(name, `must name an existing directory, got ${describeValue(value)}`);
  }
  let isDirectory = false;
  try {
    isDirectory = statSync(value).isDirectory();
  } catch {
    // missing or unreadable: reported below
  }
  if (!isDirectory) {
    throw new RushInputError(
      name,
      `must name an existing directory, got ${JSON.stringify(value)}, which ${existsSync(value) ? 'is not a directory' : 'does not exist'}`,
    );
  }
  return value;
}

/** An integer count of at least `min` (e.g. a buffer size), up to the largest safe integer. */
export function checkCount(name: string, value: unknown, min = 0): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > Number.MAX_SAFE_INTEGER
  ) {
    throw new RushInputError(
      name,
      `must be an integer from ${min} to ${Number.MAX_SAFE_INTEGER}, got ${describeValue(value)}`,
    );
  }
  return value === 0 ? 0 : value;
}

/** A worker id: non-empty, without white space, ':' or braces (it becomes part of keys). */
export function checkWorkerId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || /[\s:{}]/.test(value)) {
    throw new RushInputError(
      name,
      `must be a non-empty string without white space, ':' or braces, got ${describeValue(value)}`,
    );
  }
  return value;
}
