/**
 * Encoding of task values (xs, ys, extras, conditions, worker args) as MessagePack.
 *
 * msgpackr is fast and covers most of the values of docs/concepts.md on its own (NaN, ±Infinity, undefined, Date,
 * BigInt, Set, typed arrays, Buffer). Two values it cannot round-trip are handled here:
 * `-0` (written as the integer 0) and `Map` (written as a plain map and read back as an object).
 * A cheap scan finds them; only values that contain one are rewritten before packing.
 */
import { addExtension, C1, Packr } from 'msgpackr';
import { RushInputError } from '../errors.js';
import { logger } from '../logging/logger.js';
import { readLargeObjectFile } from './object-files.js';

/** Stands in for `-0` while packing. */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();

/** Stands in for a `Map` while packing; holds its entries. */
class MapEntries {
  constructor(readonly entries: [unknown, unknown][]) {}
}

/**
 * A reference to a value stored in a file (docs/concepts.md, large objects). Readers resolve it transparently.
 * Made by {@link storeLargeObject} or by the codec when a value exceeds `maxObjectSize`.
 */
export class LargeObjectRef {
  constructor(readonly path: string) {}
}

/**
 * Stands in for a large object whose file cannot be used (missing, unreadable, outside
 * `largeObjectsPath`, not a regular file). Readers drop the task that holds one from their rows.
 */
export class UnreadableLargeObject {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {}
}

let sawLargeObjectRef = false;
/** Counts references that could not be resolved, so a decode knows whether it met one. */
let unreadableCount = 0;
/** Decoded values that hold an {@link UnreadableLargeObject} somewhere inside. */
const holdingUnreadable = new WeakSet<object>();
/** References inside large objects nest only so deep: a file naming itself ends here. */
const MAX_REFERENCE_DEPTH = 8;

addExtension({ Class: NegativeZero, type: 0x30, write: () => 0, read: () => -0 });
addExtension({
  Class: MapEntries,
  type: 0x31,
  write: (m: MapEntries) => m.entries,
  read: (entries: [unknown, unknown][]) => new Map(entries),
});
addExtension({
  Class: LargeObjectRef,
  type: 0x32,
  write: (ref: LargeObjectRef) => ref.path,
  read: (path: string) => {
    sawLargeObjectRef = true;
    return new LargeObjectRef(path);
  },
});

const packr = new Packr({
  moreTypes: true,
  useRecords: false,
  variableMapSize: true,
  int64AsType: 'bigint',
  // rushnet never writes msgpackr's references (circular values are refused): stored bytes
  // that hold one come from elsewhere, and decode to an error rather than to shared objects.
  structuredClone: false,
  writeFunction: () => {
    throw new TypeError('a function cannot be encoded');
  },
});

/** True when `value` holds a `-0` or a `Map` somewhere, which msgpackr would not round-trip. */
function needsRewrite(value: unknown): boolean {
  if (typeof value === 'number') return value === 0 && 1 / value < 0;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (needsRewrite(value[i])) return true;
    return false;
  }
  const ctor = value.constructor;
  if (ctor === Object || ctor === undefined) {
    for (const k in value) if (needsRewrite((value as Record<string, unknown>)[k])) return true;
    return false;
  }
  if (ctor === Map) return true;
  if (ctor === Set) {
    for (const v of value as Set<unknown>) if (needsRewrite(v)) return true;
  }
  return false;
}

/** Copies `value`, replacing `-0` and `Map` by their stand-ins. */
function rewrite(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(rewrite);
  const ctor = value.constructor;
  if (ctor === Object || ctor === undefined) {
    const out: Record<string, unknown> = {};
    for (const k in value) out[k] = rewrite((value as Record<string, unknown>)[k]);
    return out;
  }
  if (ctor === Map) {
    return new MapEntries(
      Array.from(value as Map<unknown, unknown>, ([k, v]) => [rewrite(k), rewrite(v)]),
    );
  }
  if (ctor === Set) return new Set(Array.from(value as Set<unknown>, rewrite));
  return value;
}

/**
 * Packs a value. Throws {@link RushInputError} naming `argument` when the value cannot be
 * encoded (a function, a symbol, a circular structure).
 */
export function encodeValue(value: unknown, argument: string): Buffer {
  try {
    return packr.pack(needsRewrite(value) ? rewrite(value) : value);
  } catch (error) {
    throw new RushInputError(argument, `cannot be encoded: ${reasonOf(error)}`, { cause: error });
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof RangeError) return 'it is circular or nested too deeply';
  const message = error instanceof Error ? error.message : String(error);
  if (/symbol/i.test(message)) return 'it contains a symbol';
  if (/function/i.test(message)) return 'it contains a function';
  return message;
}

export interface DecodeOptions {
  /**
   * References come from a signed worker configuration: they may name any regular file.
   * Otherwise (task data, which anyone with Redis access can write) only files inside
   * `largeObjectsPath` are read.
   */
  trusted?: boolean;
}

/**
 * Unpacks a value, resolving references to large objects stored in files. A reference that
 * cannot be resolved becomes an {@link UnreadableLargeObject} (with a warning naming the file);
 * {@link holdsUnreadable} tells whether a decoded value met one.
 */
export function decodeValue(buffer: Uint8Array, options: DecodeOptions = {}): unknown {
  return decodeAt(buffer, options.trusted ?? false, 0);
}

function decodeAt(buffer: Uint8Array, trusted: boolean, depth: number): unknown {
  sawLargeObjectRef = false;
  const value = packr.unpack(buffer);
  if (!sawLargeObjectRef) return value;
  const before = unreadableCount;
  const resolved = resolveLargeObjects(value, trusted, depth);
  if (unreadableCount !== before && typeof resolved === 'object' && resolved !== null)
    holdingUnreadable.add(resolved);
  return resolved;
}

function resolveLargeObjects(value: unknown, trusted: boolean, depth: number): unknown {
  if (value instanceof LargeObjectRef) return resolveReference(value.path, trusted, depth);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = resolveLargeObjects(value[i], trusted, depth);
  } else if (value.constructor === Object) {
    const record = value as Record<string, unknown>;
    for (const k in record) record[k] = resolveLargeObjects(record[k], trusted, depth);
  } else if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, resolveLargeObjects(v, trusted, depth));
  }
  return value;
}

function resolveReference(path: unknown, trusted: boolean, depth: number): unknown {
  const shown = typeof path === 'string' ? path : String(path);
  let reason: string;
  if (depth >= MAX_REFERENCE_DEPTH) {
    reason = `nests references more than ${MAX_REFERENCE_DEPTH} deep`;
  } else {
    try {
      const bytes = readLargeObjectFile(path, { trusted });
      const before = unreadableCount;
      const value = decodeAt(bytes, trusted, depth + 1);
      // The file's own references already warned; what matters here is that this value holds one.
      if (unreadableCount !== before) unreadableCount++;
      return value;
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  unreadableCount++;
  logger.warn(
    { file: shown, reason },
    `large object file ${shown} ${reason}: the task that refers to it is left out`,
  );
  return new UnreadableLargeObject(shown, reason);
}

/**
 * Decodes stored bytes that may be anything (they come from Redis, where any client with write
 * access may have put them): the value, or in a few words why the bytes are not one.
 * Decoding is all-or-nothing: a value is never partly read.
 */
export function tryDecode(
  buffer: Uint8Array,
): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    const value = decodeValue(buffer);
    if (value === C1) return { ok: false, problem: decodeProblem(new Error('0xC1')) };
    return { ok: true, value };
  } catch (error) {
    return { ok: false, problem: decodeProblem(error) };
  }
}

/** Why bytes could not be decoded, from msgpackr's error, in words for a warning or a condition. */
export function decodeProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /call stack/i.test(message))
    return 'it is nested too deeply to decode';
  if (/^Unexpected end of (MessagePack data|buffer)/.test(message))
    return 'it is not valid MessagePack: the data ends too early (truncated?)';
  if (/^Data read, but end of buffer not reached/.test(message))
    return 'it is not valid MessagePack: more bytes follow the value';
  if (/^Unknown extension/.test(message))
    return 'it is not valid MessagePack for rushnet: it uses an unknown extension type';
  if (/^Structured clone extension is disabled/.test(message))
    return 'it is not valid MessagePack for rushnet: it holds references';
  if (message === '0xC1') return 'it is not valid MessagePack: it holds the never-used byte 0xC1';
  const line = message.split('\n')[0]!;
  return `it is not valid MessagePack for rushnet (${line.length > 120 ? `${line.slice(0, 120)}…` : line})`;
}

/**
 * Whether a value returned by {@link decodeValue} is, or holds, an unreadable large object.
 * Cheap: it asks what the decode recorded, it does not search.
 */
export function holdsUnreadable(value: unknown): boolean {
  if (value instanceof UnreadableLargeObject) return true;
  return typeof value === 'object' && value !== null && holdingUnreadable.has(value);
}

/** Whether a part of a decoded value holds an unreadable large object (searches it). */
export function containsUnreadable(value: unknown): boolean {
  if (value instanceof UnreadableLargeObject) return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(containsUnreadable);
  if (value instanceof Map) {
    for (const v of value.values()) if (containsUnreadable(v)) return true;
    return false;
  }
  if (value.constructor === Object || value.constructor === undefined)
    return Object.values(value).some(containsUnreadable);
  return false;
}
