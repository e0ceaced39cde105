/**
 * Reading tasks: the fetch methods (rows, docs/concepts.md), the finished-task cache that makes repeated
 * reads pay only for what is new, and the low-level reads (`readHashes`, `isRunningTask`,
 * `tasksWithState`). Tasks whose data vanished, or whose stored bytes cannot be decoded, are
 * dropped with a warning, never a crash: what Redis holds is untrusted input (see chunks.ts).
 */
import type { ChainableCommander } from 'ioredis';
import * as calls from '../redis/scripts/calls.js';
import { queueScript, runScript, unwrap } from '../redis/scripts/index.js';
import { rowsToColumns } from '../tasks/columns.js';
import { DEFAULT_FIELDS } from '../tasks/fields.js';
import { buildRecord, buildRow, fieldKinds } from '../tasks/rows.js';
import { TASK_STATES } from '../tasks/states.js';
import type { TaskColumns, TaskRow, TaskState } from '../types.js';
import {
  checkBoolean,
  checkFields,
  checkKeys,
  checkOptions,
  checkSeconds,
  checkStates,
} from '../validate.js';
import {
  type Chunk,
  type ChunkSource,
  Dropped,
  decodeChunk,
  decodeHashValues,
  readChunkByValue,
  warnDropped,
} from './chunks.js';
import type { RushContext } from './context.js';
import { queuedKeysFrom, queueQueuedKeys } from './counts.js';
import { waitOnEvents } from './events.js';
import { FinishedCache, isRecordFields } from './finished-cache.js';
import { FinishedReader } from './finished-reader.js';

type Row = TaskRow<object, object>;

/**
 * Tasks per script call when reading task hashes: a few milliseconds of the server each (the
 * script costs a few µs per task), so other clients are never held up for long.
 */
const READ_CHUNK = 2_000;

/** Keys per command when a call takes a list of keys: any length is split into these. */
export const KEY_CHUNK = 10000;

export class TaskReader {
  readonly #cache = new FinishedCache();
  readonly #reader: FinishedReader;
  #cacheLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: RushContext) {
    this.#reader = new FinishedReader(
      ctx.keys,
      () => ctx.client(),
      (dropped) => warnDropped(ctx, dropped),
    );
  }

  /**
   * Rows of a collection's tasks. The task list only grows: it is read in ranges. Another
   * collection is a snapshot of its keys (one plain LRANGE or SMEMBERS), whose hashes are then
   * read a chunk per call: no call holds the server for long.
   */
  async fetchCollection(
    state: TaskState | 'all',
    options: unknown,
    defaults: readonly string[],
  ): Promise<Row[]> {
    const fields = fetchFields(options, defaults);
    if (state !== 'all') {
      const pipeline = this.ctx.client().pipeline();
      this.#queueKeys(pipeline, state);
      const [keys] = keysFrom(unwrap(await pipeline.exec()), [state]);
      const [rows] = await this.#readTasks([keys!], fields);
      return rows!;
    }
    const k = this.ctx.keys;
    const read = (from: number, to: number) =>
      calls.readCollection(k, {
        kind: 'list',
        collection: k.tasks,
        from,
        to,
        fieldKinds: fieldKinds(fields),
        fields,
      });
    const range = (from: number, to: number): ChunkSource => ({
      kind: 'list',
      list: k.tasks,
      from,
      to,
    });
    const dropped = new Dropped();
    const first = await this.#chunk(
      await runScript(this.ctx.client(), read(0, READ_CHUNK - 1)),
      fields,
      range(0, READ_CHUNK - 1),
      dropped,
    );
    const size = first.size;
    const rows = this.#rows(first, fields);
    if (size > READ_CHUNK) {
      const pipeline = this.ctx.client().pipeline();
      const ranges: ChunkSource[] = [];
      for (let from = READ_CHUNK; from < size; from += READ_CHUNK) {
        const to = Math.min(size, from + READ_CHUNK) - 1;
        queueScript(pipeline, read(from, to));
        ranges.push(range(from, to));
      }
      const replies = unwrap(await pipeline.exec());
      for (const [i, reply] of replies.entries()) {
        const chunk = await this.#chunk(reply as Buffer, fields, ranges[i]!, dropped);
        for (const row of this.#rows(chunk, fields)) rows.push(row);
      }
    }
    warnDropped(this.ctx, dropped);
    return rows;
  }

  /**
   * Finished tasks in finish order, from the cache (which reads only what is new): rows, or
   * with `columns`, one array per property (filled straight from the records log when the
   * fields are the defaults, else built from the cached rows).
   */
  async fetchFinished(options: unknown): Promise<Row[] | TaskColumns> {
    const o = checkOptions('options', options as { fields?: string[]; columns?: boolean }, [
      'fields',
      'columns',
    ]);
    const fields = checkFields('fields', o.fields ?? [...DEFAULT_FIELDS.fetchFinishedTasks]);
    const columns = checkBoolean('columns', o.columns ?? false);
    return this.#withCacheLock(async () => {
      if (columns && isRecordFields(fields)) {
        const view = this.#cache.columns();
        await this.#reader.sync(view);
        return view.columns();
      }
      const view = this.#cache.view(fields);
      await this.#reader.sync(view);
      return columns ? rowsToColumns(view.rows) : view.rows.slice();
    });
  }

  /** Finished tasks not returned by an earlier call; waits up to `timeout` s for one. */
  async fetchNew(options: unknown): Promise<Row[]> {
    const o = checkOptions('options', options as { fields?: string[]; timeout?: number }, [
      'fields',
      'timeout',
    ]);
    const fields = checkFields('fields', o.fields ?? [...DEFAULT_FIELDS.fetchTasks]);
    const timeout = checkSeconds('timeout', o.timeout ?? 0, { infinite: true });
    const read = () =>
      this.#withCacheLock(async () => {
        const view = this.#cache.view(fields);
        await this.#reader.sync(view);
        if (view.head !== this.#cache.deliveredHead) {
          // A new list (the network was reset elsewhere): all of it is new.
          this.#cache.delivered = 0;
          this.#cache.deliveredHead = view.head;
        }
        const fresh = view.rowsFrom<object, object>(this.#cache.delivered);
        this.#cache.delivered = Math.max(this.#cache.delivered, view.consumed);
        return fresh;
      });
    if (timeout === 0) return read();
    return waitOnEvents(
      this.ctx.events,
      Date.now() + timeout * 1000,
      async () => {
        const rows = await read();
        return rows.length > 0 ? rows : undefined;
      },
      () => [],
    );
  }

  /** Tasks of the given states with a `state` property, in one consistent snapshot. */
  async fetchWithState(options: unknown): Promise<Row[]> {
    const o = checkOptions('options', options as { fields?: string[]; states?: TaskState[] }, [
      'fields',
      'states',
    ]);
    const fields = checkFields('fields', o.fields ?? [...DEFAULT_FIELDS.fetchFinishedTasks]);
    const states = checkStates('states', o.states ?? [...TASK_STATES]);
    const others = (['queued', 'running', 'failed'] as const).filter((s) => states.includes(s));
    const withFinished = states.includes('finished');
    return this.#withCacheLock(async () => {
      const view = this.#cache.view(fields);
      // One snapshot of every collection's keys: a task is in exactly one of them, and keeps
      // the state it had there even if it moves before its hash is read.
      const multi = this.ctx.client().multi();
      for (const state of others) this.#queueKeys(multi, state);
      if (withFinished) this.#reader.queueFirstRead(multi, view);
      const replies = unwrap(await multi.exec());
      const rows: Row[] = [];
      const n = others.length + (others.includes('queued') ? 1 : 0); // queued: two replies
      const read = await this.#readTasks(keysFrom(replies.slice(0, n), others), fields);
      others.forEach((state, i) => {
        for (const row of read[i]!) {
          row.state = state;
          rows.push(row);
        }
      });
      if (withFinished) {
        await this.#reader.sync(view, replies.slice(n));
        for (const row of view.rows) rows.push({ ...row, state: 'finished' });
      }
      return rows;
    });
  }

  /** Empties the finished-task cache; the next fetch reads every finished task again. */
  resetCache(): void {
    this.#cache.reset();
  }

  /** Reads fields of tasks or other hashes, flattened into rows unless `flatten` is false. */
  async readHashes(
    keys: unknown,
    fields: unknown,
    options: unknown,
  ): Promise<Record<string, unknown>[]> {
    const o = checkOptions('options', options as { flatten?: boolean }, ['flatten']);
    const checkedKeys = checkKeys('keys', keys);
    const checkedFields = checkFields('fields', fields);
    const flatten = checkBoolean('flatten', o.flatten ?? true);
    if (checkedKeys.length === 0 || checkedFields.length === 0) return [];
    const client = this.ctx.client();
    const pipeline = client.pipeline();
    // Hashes, like tasks, are read READ_CHUNK per script call: each call stays short.
    const chunks = chunked(checkedKeys, READ_CHUNK);
    for (const chunk of chunks) {
      queueScript(
        pipeline,
        calls.readHashes(this.ctx.keys, { fields: checkedFields, keys: chunk }),
      );
    }
    const replies = unwrap(await pipeline.exec()) as (Buffer | number | null)[][];
    const stride = checkedFields.length + 1;
    const dropped = new Dropped();
    const rows: Record<string, unknown>[] = [];
    chunks.forEach((chunk, c) => {
      const reply = replies[c]!;
      chunk.forEach((key, i) => {
        // Each value arrives on its own: one that cannot be decoded drops only its task.
        const record = decodeHashValues(key, reply, i * stride, checkedFields, dropped);
        if (record === undefined) return;
        rows.push(flatten ? buildRow(record, checkedFields) : buildRecord(record, checkedFields));
      });
    });
    warnDropped(this.ctx, dropped);
    return rows;
  }

  /** For each key, whether the task is in `state`'s set (running or failed). */
  async isInState(state: 'running' | 'failed', keys: unknown): Promise<boolean[]> {
    const checked = checkKeys('keys', keys);
    if (checked.length === 0) return [];
    const pipeline = this.ctx.client().pipeline();
    for (const chunk of chunked(checked, KEY_CHUNK))
      pipeline.smismember(this.ctx.keys.ofState(state), ...chunk);
    const replies = unwrap(await pipeline.exec()) as number[][];
    return replies.flat().map((v) => v === 1);
  }

  /** Keys by state, for the given states, in one consistent read. */
  async keysByState(states: unknown): Promise<Partial<Record<TaskState, string[]>>> {
    const checked = checkStates('states', states);
    const multi = this.ctx.client().multi();
    for (const state of checked) this.#queueKeys(multi, state);
    const lists = keysFrom(unwrap(await multi.exec()), checked);
    const out: Partial<Record<TaskState, string[]>> = {};
    checked.forEach((state, i) => {
      out[state] = lists[i]!;
    });
    return out;
  }

  /**
   * Queues the read of a collection's keys (plain commands: no per-task work in a script);
   * queued tasks are the queue, then the delayed retries (two replies: see `keysFrom`).
   */
  #queueKeys(pipeline: ChainableCommander, state: TaskState): void {
    const key = this.ctx.keys.ofState(state);
    if (state === 'queued') queueQueuedKeys(pipeline, this.ctx.keys);
    else if (state === 'finished') pipeline.lrange(key, 0, -1);
    else pipeline.smembers(key);
  }

  /**
   * Rows of the tasks of each key list, in its order: their hashes are read at most
   * `READ_CHUNK` per call, every call in one pipeline. Tasks whose hash vanished since the
   * keys were read are dropped with one warning.
   */
  async #readTasks(collections: readonly string[][], fields: readonly string[]): Promise<Row[][]> {
    const pipeline = this.ctx.client().pipeline();
    const kinds = fieldKinds(fields);
    const chunks = collections.map((keys) => chunked(keys, READ_CHUNK));
    for (const chunk of chunks.flat()) {
      queueScript(
        pipeline,
        calls.readCollection(this.ctx.keys, {
          kind: 'keys',
          keys: chunk,
          fieldKinds: kinds,
          fields,
        }),
      );
    }
    const replies = chunks.some((c) => c.length > 0) ? unwrap(await pipeline.exec()) : [];
    const dropped = new Dropped();
    let at = 0;
    const rows: Row[][] = [];
    for (const list of chunks) {
      const collection: Row[] = [];
      for (const keys of list) {
        const source: ChunkSource = { kind: 'keys', keys };
        const chunk = await this.#chunk(replies[at++] as Buffer, fields, source, dropped);
        for (const row of this.#rows(chunk, fields)) collection.push(row);
      }
      rows.push(collection);
    }
    warnDropped(this.ctx, dropped);
    return rows;
  }

  /**
   * The tasks of a read_collection reply; when a stored value broke the reply (corrupted bytes),
   * the chunk is read again a value at a time and only the tasks with bad values are dropped.
   */
  async #chunk(
    reply: Buffer,
    fields: readonly string[],
    source: ChunkSource,
    dropped: Dropped,
  ): Promise<Chunk> {
    return (
      decodeChunk(reply, fields, source, dropped) ??
      readChunkByValue(this.ctx.client(), this.ctx.keys, fields, source, dropped)
    );
  }

  #rows(chunk: Chunk, fields: readonly string[]): Row[] {
    return chunk.tasks.map((t) => buildRow<object, object>(t, fields));
  }

  /** Serializes updates of the cache, so concurrent calls never read the same tasks twice. */
  #withCacheLock<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#cacheLock.then(work, work);
    this.#cacheLock = run.catch(() => {});
    return run;
  }
}

/** The key lists of `states` from the replies of `#queueKeys` (queued: two replies). */
function keysFrom(replies: readonly unknown[], states: readonly TaskState[]): string[][] {
  let at = 0;
  return states.map((state) => {
    if (state !== 'queued') return replies[at++] as string[];
    at += 2;
    return queuedKeysFrom(replies.slice(at - 2, at));
  });
}

function fetchFields(options: unknown, defaults: readonly string[]): string[] {
  const o = checkOptions('options', options as { fields?: string[] }, ['fields']);
  return checkFields('fields', o.fields ?? [...defaults]);
}

/** Splits a list into slices of at most `size`. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
