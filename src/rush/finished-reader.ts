/**
 * Reading finished tasks into a view of the manager's cache, paying only for what is new.
 *
 * Finished tasks are read from the finished-records log (one MessagePack record per task,
 * written when it finished) rather than from each task's hash: a range of records is one plain
 * LRANGE, and the client decodes a whole chunk in one pass (the records are concatenated
 * behind one array header). A small script, pipelined with the LRANGEs, reports tasks whose
 * hash has vanished, so they are dropped as the contract asks. While Redis runs those checks,
 * the client is already decoding the records that arrived.
 * When a view needs fields the log does not hold, or the log does not line up with the
 * finished list (lost, trimmed), the view reads the hashes instead. A record that cannot be
 * decoded (corrupted bytes, a foreign writer) drops its task with a warning, like a vanished
 * one; the cache moves past it all the same, so it never comes back or shifts what follows.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { C1 } from 'msgpackr';
import type { RushKeys } from '../redis/keys.js';
import * as calls from '../redis/scripts/calls.js';
import { queueScript, unwrap } from '../redis/scripts/index.js';
import { containsUnreadable, decodeValue, holdsUnreadable, tryDecode } from '../tasks/codec.js';
import { fieldKinds, type TaskRecord } from '../tasks/rows.js';
import type { TaskRow } from '../types.js';
import { type ChunkSource, Dropped, decodeChunk, readChunkByValue } from './chunks.js';
import { FinishedColumnsView, type FinishedView, RECORD_FIELDS } from './finished-cache.js';

/** A view of the cache that a sync fills: rows, or columns. */
type View = FinishedView | FinishedColumnsView;

/** Entries read by the first call of a sync: covers the usual incremental read. */
const FIRST_CHUNK = 1000;
/** Entries per command when reading a large backlog. */
const BULK_CHUNK = 10000;
/**
 * Entries per call when a view reads the task hashes instead (the records log cannot serve it):
 * the script costs a few µs per task, so a call stays a few milliseconds of the server.
 */
const HASH_CHUNK = 2000;

/** A decoded record of the log: the task's row, or `[key, ...values]` (see _msgpack.lua). */
type LogItem = TaskRecord | TaskRow<object, object>;

/** A record of the log that cannot be decoded: where it is, and why. */
interface CorruptRecord {
  position: number;
  problem: string;
}

/**
 * A chunk of records, decoded: per record its item, or `undefined` where the record cannot be
 * decoded (`problems` says why). `unreadable`: some item refers to a large object whose file
 * cannot be read.
 */
interface DecodedRecords {
  items: (LogItem | undefined)[];
  problems: Map<number, string> | undefined;
  unreadable: boolean;
}

/**
 * Decodes a chunk of records in one pass (an array header, then the records as they are). A
 * record that is not what rushnet writes (corrupted bytes, a foreign writer) breaks the pass:
 * then each record is decoded on its own, and only the bad ones are left out.
 */
function decodeRecordChunk(records: Buffer[]): DecodedRecords {
  const n = records.length;
  const header = Buffer.from([0xdd, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  try {
    const items = decodeValue(Buffer.concat([header, ...records]));
    if (Array.isArray(items) && items.length === n && items.every(isLogItem)) {
      return { items, problems: undefined, unreadable: holdsUnreadable(items) };
    }
  } catch {
    // Some record is bad: found below.
  }
  const problems = new Map<number, string>();
  let unreadable = false;
  const items = records.map((record, i) => {
    const decoded = tryDecode(record);
    if (!decoded.ok) problems.set(i, decoded.problem);
    else if (!isLogItem(decoded.value)) problems.set(i, 'it is not a task record');
    else {
      unreadable ||= holdsUnreadable(decoded.value);
      return decoded.value;
    }
    return undefined;
  });
  return { items, problems, unreadable };
}

/**
 * Whether a decoded record has the shape of one: a row with its key, or `[key, 6 values]`
 * (none of them MessagePack's never-used 0xC1, which a stored value of that one byte leaves).
 */
/** A record in array form: the key, then each of RECORD_FIELDS. */
const RECORD_LENGTH = RECORD_FIELDS.length + 1;

function isLogItem(item: unknown): item is LogItem {
  if (Array.isArray(item))
    return item.length === RECORD_LENGTH && typeof item[0] === 'string' && !item.includes(C1);
  if (typeof item !== 'object' || item === null) return false;
  const proto = Object.getPrototypeOf(item);
  return (
    (proto === Object.prototype || proto === null) &&
    typeof (item as { key?: unknown }).key === 'string'
  );
}

const keyOf = (item: LogItem): string => (Array.isArray(item) ? item[0] : item.key) as string;

/** What one sync leaves out: vanished and undecodable tasks, and corrupt records of the log. */
interface Leftovers {
  dropped: Dropped;
  corrupt: CorruptRecord[];
}

export class FinishedReader {
  constructor(
    private readonly keys: RushKeys,
    private readonly client: () => Redis,
    private readonly warn: (dropped: Dropped) => void,
  ) {}

  /**
   * Queues the first read of a sync (the list's size and the view's first new entries) on a
   * pipeline or transaction, e.g. for a consistent snapshot. Pass its replies to `sync`.
   */
  queueFirstRead(pipeline: ChainableCommander, view: View): void {
    pipeline.llen(this.keys.finished);
    // The list's first key tells a list read before from a new one (a reset elsewhere, or a
    // server restarted without its data) that has grown as long since.
    pipeline.lindex(this.keys.finished, 0);
    this.#queueRange(pipeline, view, view.consumed, view.consumed + FIRST_CHUNK - 1);
  }

  /**
   * Brings a view up to date with the finished list as it was at the first read (`first`: the
   * replies of `queueFirstRead`, when a transaction already made it). One sync at a time.
   * Tasks left out (vanished, undecodable) are warned about once, at the end.
   */
  async sync(view: View, first?: unknown[]): Promise<void> {
    const left: Leftovers = { dropped: new Dropped(), corrupt: [] };
    let replies = first;
    for (;;) {
      const from = view.consumed;
      if (replies === undefined) {
        const pipeline = this.client().pipeline();
        this.queueFirstRead(pipeline, view);
        replies = unwrap(await pipeline.exec());
      }
      const size = Number(replies[0]);
      const head = (replies[1] as string | null) ?? null;
      if (from > 0 && head !== view.head) {
        // Not the list read so far: the network was reset. Start over.
        view.clear();
        replies = undefined;
        continue;
      }
      const expected = Math.max(0, Math.min(FIRST_CHUNK, size - from));
      const to = from + FIRST_CHUNK - 1;
      const ok = await this.#absorb(view, from, to, replies.slice(2), expected, left);
      replies = undefined;
      if (!ok) continue; // the log is unusable: read the same range from the hashes
      if (size < from) {
        // The list is shorter than what was read: the network was reset. Start over.
        view.clear();
        continue;
      }
      if (from === 0) view.head = head;
      if (view.consumed >= size || (await this.#readBulk(view, view.consumed, size, left))) break;
    }
    await this.#nameCorrupt(left);
    this.warn(left.dropped);
  }

  /**
   * Names the tasks whose records could not be decoded (the finished list holds their keys at
   * the same positions), unless they vanished too (already noted).
   */
  async #nameCorrupt({ dropped, corrupt }: Leftovers): Promise<void> {
    if (corrupt.length === 0) return;
    const pipeline = this.client().pipeline();
    for (const { position } of corrupt) pipeline.lindex(this.keys.finished, position);
    const keys = unwrap(await pipeline.exec()) as (string | null)[];
    const vanished = new Set(dropped.missing);
    corrupt.forEach(({ position, problem }, i) => {
      const key = keys[i];
      if (key !== null && key !== undefined && vanished.has(key)) return;
      dropped.undecodable.push({
        key: key ?? `(finished position ${position})`,
        problem: `its finished record: ${problem}`,
      });
    });
  }

  /** Queues the read of entries `from..to`; returns how many replies it takes. */
  #queueRange(
    pipeline: ChainableCommander,
    view: View,
    from: number,
    to: number,
    decoded?: (items: DecodedRecords) => void,
  ): number {
    if (!view.fromRecords) {
      queueScript(
        pipeline,
        calls.readCollection(this.keys, {
          collection: this.keys.finished,
          kind: 'list',
          from,
          to,
          fieldKinds: fieldKinds(view.fields),
          fields: view.fields,
        }),
      );
      return 1;
    }
    // Decode as soon as the records arrive, while Redis still checks for vanished hashes.
    pipeline.lrangeBuffer(this.keys.finishedRecords, from, to, (error, records) => {
      if (error || !decoded || !Array.isArray(records)) return;
      decoded(decodeRecordChunk(records));
    });
    queueScript(pipeline, calls.vanishedFinished(this.keys, { from, to }));
    return 2;
  }

  /**
   * Adds a range read's replies to the view. `expected` is how many entries the finished list
   * held in the range when it was measured; the records log always holds as many, or it is
   * unusable: then this returns false and the view reads the hashes from now on.
   */
  async #absorb(
    view: View,
    from: number,
    to: number,
    replies: unknown[],
    expected: number,
    { dropped, corrupt }: Leftovers,
    decoded?: DecodedRecords,
  ): Promise<boolean> {
    const positions: number[] = [];
    if (!view.fromRecords) {
      const source: ChunkSource = { kind: 'list', list: this.keys.finished, from, to };
      const chunk =
        decodeChunk(replies[0] as Buffer, view.fields, source, dropped) ??
        (await readChunkByValue(this.client(), this.keys, view.fields, source, dropped));
      view.append(
        chunk.tasks,
        view.fields.map((_, j) => j + 1),
        chunk.positions.map((i) => from + i),
        from + chunk.count,
      );
      return true;
    }
    const [raw, vanished] = replies as [Buffer[], string[]];
    if (raw.length < expected) {
      view.fromRecords = false;
      return false;
    }
    if (view instanceof FinishedColumnsView) {
      // Columns are filled from the records themselves: no rows are made.
      view.appendRecords(raw, new Set(vanished), dropped.missing, from + raw.length, (i, problem) =>
        corrupt.push({ position: from + i, problem }),
      );
      return true;
    }
    const chunk = decoded ?? decodeRecordChunk(raw);
    let items: LogItem[];
    if (vanished.length > 0 || chunk.unreadable || chunk.problems) {
      const gone = new Set(vanished);
      dropped.missing.push(...vanished);
      items = [];
      chunk.items.forEach((item, i) => {
        if (item === undefined) {
          corrupt.push({ position: from + i, problem: chunk.problems!.get(i)! });
        } else if (gone.has(keyOf(item))) {
          // vanished: noted above
        } else if (chunk.unreadable && containsUnreadable(item)) {
          dropped.missing.push(keyOf(item)); // a large object file is missing or refused
        } else {
          items.push(item);
          positions.push(from + i);
        }
      });
    } else {
      items = chunk.items as LogItem[];
      for (let i = 0; i < items.length; i++) positions.push(from + i);
    }
    const indices = view.fields.map((f) => RECORD_FIELDS.indexOf(f) + 1);
    view.append(items, indices, positions, from + raw.length);
    return true;
  }

  /** Reads entries `from..size-1` in chunks sent in one pipeline. */
  async #readBulk(view: View, from: number, size: number, left: Leftovers): Promise<boolean> {
    if (view instanceof FinishedColumnsView) view.reserve(size - from);
    const pipeline = this.client().pipeline();
    const starts: number[] = [];
    const counts: number[] = [];
    const decoded: DecodedRecords[] = [];
    const chunk = view.fromRecords ? BULK_CHUNK : HASH_CHUNK;
    for (let start = from; start < size; start += chunk) {
      const i = starts.length;
      starts.push(start);
      const last = Math.min(start + chunk, size) - 1;
      const keep = (records: DecodedRecords) => {
        decoded[i] = records;
      };
      // Rows are decoded as their records arrive; columns are filled from the records.
      const early = view instanceof FinishedColumnsView ? undefined : keep;
      counts.push(this.#queueRange(pipeline, view, start, last, early));
    }
    const replies = unwrap(await pipeline.exec());
    let at = 0;
    for (const [i, start] of starts.entries()) {
      const expected = Math.min(chunk, size - start);
      const last = Math.min(start + chunk, size) - 1;
      const range = replies.slice(at, at + counts[i]!);
      if (!(await this.#absorb(view, start, last, range, expected, left, decoded[i]))) return false;
      at += counts[i]!;
    }
    return true;
  }
}
