/**
 * Reading task hashes a chunk at a time, treating what Redis holds as untrusted input.
 *
 * The read script returns a chunk as one MessagePack document with the stored values copied in
 * as they are, which the client decodes in one pass. A stored value that is not valid
 * MessagePack (corrupted bytes, a foreign writer, a truncated record) breaks that document's
 * framing: the decode fails, or reads something other than the tasks asked for. A reply is
 * therefore accepted only when it holds exactly the tasks asked for, in order; otherwise the
 * chunk is read again one value at a time (the values then arrive framed by Redis), and only
 * the tasks whose own values cannot be decoded are dropped, like vanished tasks.
 */
import type { Redis } from 'ioredis';
import { C1 } from 'msgpackr';
import type { RushKeys } from '../redis/keys.js';
import * as calls from '../redis/scripts/calls.js';
import { runScript, unwrap } from '../redis/scripts/index.js';
import { decodeValue, holdsUnreadable, tryDecode } from '../tasks/codec.js';
import { STRING_FIELDS } from '../tasks/fields.js';
import { decodeTasks, type TaskRecord } from '../tasks/rows.js';

/** A task left out of a read because stored bytes of it cannot be decoded, and why. */
export interface Undecodable {
  key: string;
  problem: string;
}

/** Tasks a read left out, to warn about once per call. */
export class Dropped {
  /** Tasks whose hash vanished, or that hold a large object whose file cannot be read. */
  readonly missing: string[] = [];
  /** Tasks with stored bytes that cannot be decoded. */
  readonly undecodable: Undecodable[] = [];
}

/** What a chunk read: the given keys, or a range of a list of keys. */
export type ChunkSource =
  | { kind: 'keys'; keys: readonly string[] }
  | { kind: 'list'; list: string; from: number; to: number };

export interface Chunk {
  /** The list's length when it was read (a range), or the number of keys. */
  size: number;
  /** Entries the chunk covered, the dropped tasks included. */
  count: number;
  /** The tasks kept, in order. */
  tasks: TaskRecord[];
  /** For each task kept, its place in the chunk. */
  positions: number[];
}

/**
 * The tasks of a read_collection reply (see read_collection.lua), or undefined when the reply
 * does not decode into exactly the tasks asked for: then read the chunk with
 * {@link readChunkByValue}. Vanished tasks go to `dropped`.
 */
export function decodeChunk(
  reply: Buffer,
  fields: readonly string[],
  source: ChunkSource,
  dropped: Dropped,
): Chunk | undefined {
  let decoded: unknown;
  try {
    decoded = decodeValue(reply);
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded)) return undefined;
  const size = decoded[0];
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return undefined;
  const stride = fields.length + 2;
  const count = (decoded.length - 1) / stride;
  const expected =
    source.kind === 'keys' ? source.keys.length : rangeLength(size, source.from, source.to);
  if (count !== expected) return undefined;
  // The script frames keys, flags and plain-string fields itself: after a value whose bytes
  // were not what they claimed, these no longer line up. (A lone 0xC1, MessagePack's
  // never-used byte, keeps the framing but is no value.)
  const isString = fields.map((field) => STRING_FIELDS.has(field));
  for (let i = 1, t = 0; t < count; i += stride, t++) {
    const key = decoded[i];
    const exists = decoded[i + 1];
    if (typeof key !== 'string' || (exists !== 0 && exists !== 1)) return undefined;
    if (source.kind === 'keys' && key !== source.keys[t]) return undefined;
    for (let j = 0; j < isString.length; j++) {
      const value = decoded[i + 2 + j];
      if (value === undefined) continue;
      if (isString[j] ? typeof value !== 'string' : value === C1) return undefined;
    }
  }
  const positions: number[] = [];
  const tasks = decodeTasks(decoded, 1, fields, (key) => dropped.missing.push(key), positions);
  return { size, count, tasks, positions };
}

/** How many entries LRANGE from..to returns on a list of `size`. */
function rangeLength(size: number, from: number, to: number): number {
  const first = from < 0 ? Math.max(0, size + from) : from;
  const last = to < 0 ? size + to : Math.min(to, size - 1);
  return Math.max(0, last - first + 1);
}

/**
 * Reads a chunk one stored value at a time (each arrives framed by Redis) and decodes each on
 * its own: a task with a value that cannot be decoded goes to `dropped.undecodable`, the rest
 * are kept. Only needed when a whole-chunk reply did not decode.
 */
export async function readChunkByValue(
  client: Redis,
  keys: RushKeys,
  fields: readonly string[],
  source: ChunkSource,
  dropped: Dropped,
): Promise<Chunk> {
  let size: number;
  let taskKeys: readonly string[];
  if (source.kind === 'keys') {
    taskKeys = source.keys;
    size = taskKeys.length;
  } else {
    const replies = unwrap(
      await client.multi().llen(source.list).lrange(source.list, source.from, source.to).exec(),
    ) as [number, string[]];
    [size, taskKeys] = replies;
  }
  const tasks: TaskRecord[] = [];
  const positions: number[] = [];
  if (taskKeys.length > 0) {
    // The script needs a field to read; with none asked for, it only tells which hashes exist.
    const read = fields.length > 0 ? fields : ['state'];
    const reply = await runScript(client, calls.readHashes(keys, { fields: read, keys: taskKeys }));
    const stride = read.length + 1;
    taskKeys.forEach((key, t) => {
      const task = decodeHashValues(key, reply, t * stride, fields, dropped);
      if (task === undefined) return;
      tasks.push(task);
      positions.push(t);
    });
  }
  return { size, count: taskKeys.length, tasks, positions };
}

/**
 * One task of a read_hashes reply (`exists, value × fields` at `at`), each value decoded on its
 * own; undefined (with the task noted in `dropped`) when it vanished or cannot be decoded.
 */
export function decodeHashValues(
  key: string,
  reply: readonly (Buffer | number | null)[],
  at: number,
  fields: readonly string[],
  dropped: Dropped,
): TaskRecord | undefined {
  if (reply[at] === 0) {
    dropped.missing.push(key);
    return undefined;
  }
  const task: TaskRecord = [key];
  for (let j = 0; j < fields.length; j++) {
    const field = fields[j]!;
    const raw = reply[at + 1 + j] as Buffer | null | undefined;
    if (raw === null || raw === undefined) {
      task.push(undefined);
    } else if (STRING_FIELDS.has(field)) {
      task.push(raw.toString());
    } else {
      const decoded = tryDecode(raw);
      if (!decoded.ok) {
        dropped.undecodable.push({ key, problem: `its ${field}: ${decoded.problem}` });
        return undefined;
      }
      if (holdsUnreadable(decoded.value)) {
        dropped.missing.push(key); // a large object file is missing or refused (warned)
        return undefined;
      }
      task.push(decoded.value);
    }
  }
  return task;
}

/** Warns once about each kind of task a read left out. */
export function warnDropped(
  ctx: {
    warnMissing(keys: readonly string[]): void;
    warnUndecodable(tasks: readonly Undecodable[]): void;
  },
  dropped: Dropped,
): void {
  ctx.warnMissing(dropped.missing);
  ctx.warnUndecodable(dropped.undecodable);
}
