/**
 * Reading MessagePack in place: map and string sizes, strings' bounds and plain scalars read
 * straight from the bytes, for code that walks 100,000s of records (columns.ts) without
 * decoding each into objects. Anything else (objects, arrays, binary, extension types, whose
 * extent depends on msgpackr's conventions) is left to the codec: {@link readValue} says so.
 */

/** What {@link readValue} returns for a stored `undefined` (msgpackr's extension 0). */
export const ABSENT = Symbol('absent');

/** What {@link readValue} returns for a value it does not read: decode the whole record. */
export const NOT_PLAIN = Symbol('not plain');

/** Whether `b` holds `bytes` at `at`. */
export function startsWith(b: Uint8Array, at: number, bytes: readonly number[]): boolean {
  for (let i = 0; i < bytes.length; i++) if (b[at + i] !== bytes[i]) return false;
  return true;
}

/** Whether `record[from..end)` holds exactly `bytes`. */
export function sameBytes(
  bytes: Uint8Array,
  record: Uint8Array,
  from: number,
  end: number,
): boolean {
  if (bytes.length !== end - from) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== record[from + i]) return false;
  return true;
}

/** The entry count of a map at the start of `b` and where its entries start. */
export function mapSize(b: Buffer): { count: number; start: number } | undefined {
  const t = b[0]!;
  if (t >= 0x80 && t <= 0x8f) return { count: t - 0x80, start: 1 };
  if (t === 0xde) return { count: b.readUInt16BE(1), start: 3 };
  if (t === 0xdf) return { count: b.readUInt32BE(1), start: 5 };
  return undefined;
}

/** The payload length of a string at `at`, or undefined when it is not a string. */
export function stringLength(b: Buffer, at: number): number | undefined {
  const t = b[at]!;
  if (t >= 0xa0 && t <= 0xbf) return t - 0xa0;
  if (t === 0xd9) return b[at + 1]!;
  if (t === 0xda) return b.readUInt16BE(at + 1);
  if (t === 0xdb) return b.readUInt32BE(at + 1);
  return undefined;
}

/** Where the string at `at` ends; undefined when it is not a string. */
export function skipString(b: Buffer, at: number): number | undefined {
  const length = stringLength(b, at);
  if (length === undefined) return undefined;
  const t = b[at]!;
  const header = t <= 0xbf ? 1 : t === 0xd9 ? 2 : t === 0xda ? 3 : 5;
  return at + header + length;
}

/** Where the value read last by {@link readValue} ends (one object, not one per value). */
export const read = { end: 0 };

/**
 * The plain scalar at `at` (a number, null, a boolean or undefined; strings are read with
 * {@link stringLength}), or NOT_PLAIN. Sets `read.end` (no object per value: 100,000s are read
 * per call). 64-bit integers are NOT_PLAIN: the codec reads them as BigInts.
 */
export function readValue(b: Buffer, at: number): unknown {
  const t = b[at]!;
  if (t <= 0x7f) {
    read.end = at + 1;
    return t;
  }
  if (t >= 0xe0) {
    read.end = at + 1;
    return t - 256;
  }
  switch (t) {
    case 0xcb:
      read.end = at + 9;
      return b.readDoubleBE(at + 1);
    case 0xca:
      read.end = at + 5;
      return b.readFloatBE(at + 1);
    case 0xcc:
      read.end = at + 2;
      return b[at + 1]!;
    case 0xcd:
      read.end = at + 3;
      return b.readUInt16BE(at + 1);
    case 0xce:
      read.end = at + 5;
      return b.readUInt32BE(at + 1);
    case 0xd0:
      read.end = at + 2;
      return b.readInt8(at + 1);
    case 0xd1:
      read.end = at + 3;
      return b.readInt16BE(at + 1);
    case 0xd2:
      read.end = at + 5;
      return b.readInt32BE(at + 1);
    case 0xc0:
      read.end = at + 1;
      return null;
    case 0xc2:
      read.end = at + 1;
      return false;
    case 0xc3:
      read.end = at + 1;
      return true;
    case 0xd4:
      // msgpackr writes `undefined` as the extension 0 with one zero byte.
      if (b[at + 1] === 0 && b[at + 2] === 0) {
        read.end = at + 3;
        return ABSENT;
      }
  }
  return NOT_PLAIN;
}
