/**
 * Encoding of task values (xs, ys, extras, conditions, worker args) as MessagePack.
 *
 * msgpackr is fast and covers most of SPEC §2 on its own (NaN, ±Infinity, undefined, Date,
 * BigInt, Set, typed arrays, Buffer). Two values it cannot round-trip are handled here:
 * `-0` (written as the integer 0) and `Map` (written as a plain map and read back as an object).
 * A cheap scan finds them; only values that contain one are rewritten before packing.
 */
import { readFileSync } from 'node:fs';
import { addExtension, Packr } from 'msgpackr';
import { RushInputError } from '../errors.js';

/** Stands in for `-0` while packing. */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();

/** Stands in for a `Map` while packing; holds its entries. */
class MapEntries {
  constructor(readonly entries: [unknown, unknown][]) {}
}

/**
 * A reference to a value stored in a file (SPEC §7). Readers resolve it transparently.
 * Made by {@link storeLargeObject} or by the codec when a value exceeds `maxObjectSize`.
 */
export class LargeObjectRef {
  constructor(readonly path: string) {}
}

let sawLargeObjectRef = false;

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

/** Unpacks a value, resolving references to large objects stored in files. */
export function decodeValue(buffer: Uint8Array): unknown {
  sawLargeObjectRef = false;
  const value = packr.unpack(buffer);
  return sawLargeObjectRef ? resolveLargeObjects(value) : value;
}

function resolveLargeObjects(value: unknown): unknown {
  if (value instanceof LargeObjectRef) return decodeValue(readFileSync(value.path));
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = resolveLargeObjects(value[i]);
  } else if (value.constructor === Object) {
    const record = value as Record<string, unknown>;
    for (const k in record) record[k] = resolveLargeObjects(record[k]);
  } else if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, resolveLargeObjects(v));
  }
  return value;
}
