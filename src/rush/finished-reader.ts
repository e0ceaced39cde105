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
 * finished list (lost, trimmed), the view reads the hashes instead.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { RushKeys } from '../redis/keys.js';
import * as calls from '../redis/scripts/calls.js';
import { queueScript, unwrap } from '../redis/scripts/index.js';
import { containsUnreadable, decodeValue, holdsUnreadable } from '../tasks/codec.js';
import { decodeReply, decodeTasks, fieldKinds, type TaskRecord } from '../tasks/rows.js';
import type { TaskRow } from '../types.js';
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

/** Decodes a chunk of records in one pass: an array header, then the records as they are. */
function decodeRecordChunk(records: Buffer[]): LogItem[] {
  const n = records.length;
  const header = Buffer.from([0xdd, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  return decodeValue(Buffer.concat([header, ...records])) as LogItem[];
}

const keyOf = (item: LogItem): string => (Array.isArray(item) ? item[0] : item.key) as string;

export class FinishedReader {
  constructor(
    private readonly keys: RushKeys,
    private readonly client: () => Redis,
    private readonly warnMissing: (keys: string[]) => void,
  ) {}

  /**
   * Queues the first read of a sync (the list's size and the view's first new entries) on a
   * pipeline or transaction, e.g. for a consistent snapshot. Pass its replies to `sync`.
   */
  queueFirstRead(pipeline: ChainableCommander, view: View): void {
    pipeline.llen(this.keys.finished);
    this.#queueRange(pipeline, view, view.consumed, view.consumed + FIRST_CHUNK - 1);
  }

  /**
   * Brings a view up to date with the finished list as it was at the first read (`first`: the
   * replies of `queueFirstRead`, when a transaction already made it). One sync at a time.
   */
  async sync(view: View, first?: unknown[]): Promise<void> {
    const missing: string[] = [];
    let replies = first;
    for (;;) {
      const from = view.consumed;
      if (replies === undefined) {
        const pipeline = this.client().pipeline();
        this.queueFirstRead(pipeline, view);
        replies = unwrap(await pipeline.exec());
      }
      const size = Number(replies[0]);
      const expected = Math.max(0, Math.min(FIRST_CHUNK, size - from));
      const ok = this.#absorb(view, from, replies.slice(1), expected, missing);
      replies = undefined;
      if (!ok) continue; // the log is unusable: read the same range from the hashes
      if (size < from) {
        // The list is shorter than what was read: the network was reset. Start over.
        view.clear();
        continue;
      }
      if (view.consumed >= size || (await this.#readBulk(view, view.consumed, size, missing)))
        break;
    }
    this.warnMissing(missing);
  }

  /** Queues the read of entries `from..to`; returns how many replies it takes. */
  #queueRange(
    pipeline: ChainableCommander,
    view: View,
    from: number,
    to: number,
    decoded?: (items: LogItem[]) => void,
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
      if (error || !decoded || !records) return;
      try {
        decoded(decodeRecordChunk(records));
      } catch {
        // Decoded again, and reported, when the replies are absorbed.
      }
    });
    queueScript(pipeline, calls.vanishedFinished(this.keys, { from, to }));
    return 2;
  }

  /**
   * Adds a range read's replies to the view. `expected` is how many entries the finished list
   * held in the range when it was measured; the records log always holds as many, or it is
   * unusable: then this returns false and the view reads the hashes from now on.
   */
  #absorb(
    view: View,
    from: number,
    replies: unknown[],
    expected: number,
    missing: string[],
    decoded?: LogItem[],
  ): boolean {
    const positions: number[] = [];
    if (!view.fromRecords) {
      const reply = decodeReply(replies[0] as Buffer);
      const records = decodeTasks(reply, 1, view.fields, (key) => missing.push(key), positions);
      const count = (reply.length - 1) / (view.fields.length + 2);
      view.append(
        records,
        view.fields.map((_, j) => j + 1),
        positions.map((i) => from + i),
        from + count,
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
      view.appendRecords(raw, new Set(vanished), missing, from + raw.length);
      return true;
    }
    let items = decoded ?? decodeRecordChunk(raw);
    const unreadable = holdsUnreadable(items); // a large object file is missing or refused
    if (vanished.length > 0 || unreadable) {
      const gone = new Set(vanished);
      missing.push(...vanished);
      items = items.filter((item, i) => {
        if (gone.has(keyOf(item))) return false;
        if (unreadable && containsUnreadable(item)) {
          missing.push(keyOf(item));
          return false;
        }
        positions.push(from + i);
        return true;
      });
    } else {
      for (let i = 0; i < items.length; i++) positions.push(from + i);
    }
    const indices = view.fields.map((f) => RECORD_FIELDS.indexOf(f) + 1);
    view.append(items, indices, positions, from + raw.length);
    return true;
  }

  /** Reads entries `from..size-1` in chunks sent in one pipeline. */
  async #readBulk(view: View, from: number, size: number, missing: string[]): Promise<boolean> {
    if (view instanceof FinishedColumnsView) view.reserve(size - from);
    const pipeline = this.client().pipeline();
    const starts: number[] = [];
    const counts: number[] = [];
    const decoded: LogItem[][] = [];
    const chunk = view.fromRecords ? BULK_CHUNK : HASH_CHUNK;
    for (let start = from; start < size; start += chunk) {
      const i = starts.length;
      starts.push(start);
      const last = Math.min(start + chunk, size) - 1;
      const keep = (records: LogItem[]) => {
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
      if (
        !this.#absorb(
          view,
          start,
          replies.slice(at, at + counts[i]!),
          expected,
          missing,
          decoded[i],
        )
      )
        return false;
      at += counts[i]!;
    }
    return true;
  }
}
