/**
 * Writing tasks: creating them in any state, moving them to finished or failed, emptying the
 * queue, and `writeHashes`. Every value is encoded (and every argument checked) before the
 * first command is sent, so bad input writes nothing. Large batches are split into chunks sent
 * in one pipeline: one round trip, and no single script holds the server for long.
 */
import { randomUUID } from 'node:crypto';
import { describeValue, RushBatchError, RushInputError } from '../errors.js';
import * as calls from '../redis/scripts/calls.js';
import { type ScriptArg, type ScriptCall, unwrap } from '../redis/scripts/index.js';
import { checkRetries, encodeRetryPolicy } from '../tasks/retries.js';
import type { Condition, TaskState } from '../types.js';
import {
  checkBoolean,
  checkCompanion,
  checkConditions,
  checkFields,
  checkKeys,
  checkObjectArray,
  checkObjectRowNames,
  checkOptions,
  checkRowNames,
  checkWritableFields,
  isPlainObject,
} from '../validate.js';
import { type RushContext, taskOwner } from './context.js';
import { runWrite, runWrites } from './write-path.js';

/** Tasks per script call when writing many: keeps every call short for other clients. */
const WRITE_CHUNK = 2000;

/** Fields whose properties are spread into rows: their names must not shadow a row's own. */
const SPREAD_FIELDS: ReadonlySet<string> = new Set(['xs', 'ys', 'xs_extra', 'ys_extra']);

const FAILED_DEFAULT: Condition = { message: 'Task failed' };
const REMOVED_FROM_QUEUE: Condition = { message: 'Removed from queue' };
/** The condition of a cancelled task (never retried). */
export const CANCELLED: Condition = { message: 'Cancelled', cancelled: true };

/** How to tell what a failed batch wrote: its keys, and a read of which of them landed. */
interface PartialWrite {
  verb: string;
  keys: readonly string[];
  landed(keys: readonly string[]): Promise<string[]>;
}

/** A column of a new task: its field, its values (one per task, or one for all), its argument. */
type Column = [field: string, values: readonly unknown[] | undefined, argument: string];

export class TaskWriter {
  constructor(private readonly ctx: RushContext) {}

  /** Creates tasks in `state` from checked columns (`retry`: their retry policy). Returns their keys. */
  async create(state: TaskState, n: number, columns: Column[], retry = ''): Promise<string[]> {
    if (n === 0) return [];
    const present = columns.filter(
      (c): c is [string, readonly unknown[], string] => c[1] !== undefined,
    );
    for (const [field, values, argument] of present)
      if (SPREAD_FIELDS.has(field)) checkRowNames(argument, values as readonly object[]);
    const encoded = present.map(([, values, argument]) => this.#encodeColumn(values, argument, n));
    const keys = Array.from({ length: n }, () => randomUUID());
    const fields = present.map(([field]) => field);
    const workerId = state === 'queued' ? '' : taskOwner(this.ctx.participant);
    const written = { verb: 'created', keys, landed: (k: readonly string[]) => this.#existing(k) };
    await this.#writeChunked(
      n,
      (from, to) => {
        const tasks: ScriptArg[] = [];
        for (let i = from; i < to; i++) {
          tasks.push(keys[i]!);
          for (const column of encoded) tasks.push(column[i]!);
        }
        return calls.pushTasks(this.ctx.keys, { state, workerId, fields, tasks, retry });
      },
      written,
      (i) => encoded.reduce((sum, column) => sum + column[i]!.length, 0),
    );
    return keys;
  }

  /**
   * Checks the arguments of `pushTasks`/`pushRunningTasks` and creates the tasks; queued ones
   * may have retries (`maxRetries`, `retryDelay`).
   */
  async push(state: 'queued' | 'running', xss: unknown, options: unknown): Promise<string[]> {
    type Options = { xssExtra?: object[]; maxRetries?: number; retryDelay?: unknown };
    const names = state === 'queued' ? ['xssExtra', 'maxRetries', 'retryDelay'] : ['xssExtra'];
    const o = checkOptions('options', options as Options, names as (keyof Options)[]);
    const retry = encodeRetryPolicy(checkRetries(o.maxRetries, o.retryDelay));
    const n = checkObjectArray('xss', xss).length;
    return this.create(
      state,
      n,
      [
        ['xs', xss as object[], 'xss'],
        ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
      ],
      retry,
    );
  }

  async pushFinished(xss: unknown, yss: unknown, options: unknown): Promise<string[]> {
    const o = checkOptions('options', options as { xssExtra?: object[]; yssExtra?: object[] }, [
      'xssExtra',
      'yssExtra',
    ]);
    const n = checkObjectArray('xss', xss).length;
    return this.create('finished', n, [
      ['xs', xss as object[], 'xss'],
      ['ys', checkCompanion('yss', yss, n) ?? required('yss'), 'yss'],
      ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
      ['ys_extra', checkCompanion('yssExtra', o.yssExtra, n), 'yssExtra'],
    ]);
  }

  async pushFailed(xss: unknown, options: unknown): Promise<string[]> {
    const o = checkOptions('options', options as { xssExtra?: object[]; conditions?: object[] }, [
      'xssExtra',
      'conditions',
    ]);
    const n = checkObjectArray('xss', xss).length;
    return this.create('failed', n, [
      ['xs', xss as object[], 'xss'],
      ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
      [
        'condition',
        checkConditions('conditions', o.conditions, n) ?? [FAILED_DEFAULT],
        'conditions',
      ],
    ]);
  }

  /** Moves running tasks to finished. First writer wins. Returns the keys that moved. */
  async finish(keys: unknown, yss: unknown, options: unknown): Promise<string[]> {
    const o = checkOptions('options', options as { yssExtra?: object[] }, ['yssExtra']);
    const checked = checkKeys('keys', keys);
    const n = checked.length;
    const results = checkCompanion('yss', yss, n) ?? required('yss');
    const extra = checkCompanion('yssExtra', o.yssExtra, n);
    checkRowNames('yss', results);
    if (extra) checkRowNames('yssExtra', extra);
    const ys = this.#encodeColumn(results, 'yss', n);
    const ysExtra = extra ? this.#encodeColumn(extra, 'yssExtra', n) : undefined;
    if (n === 0) return [];
    const replies = await this.#writeChunked(
      n,
      (from, to) => {
        const tasks: ScriptArg[] = [];
        for (let i = from; i < to; i++) tasks.push(checked[i]!, ys[i]!, ysExtra?.[i] ?? '');
        return calls.finishTasks(this.ctx.keys, taskOwner(this.ctx.participant), tasks);
      },
      { verb: 'finished', keys: checked, landed: (k) => this.#inState(k, 'finished') },
      (i) => ys[i]!.length + (ysExtra?.[i]?.length ?? 0),
    );
    return this.#reportDiscarded('finishTasks', checked, replies.flat());
  }

  /**
   * Fails running or queued tasks; running ones with retries left go back to the queue unless
   * `retry` is false. First writer wins. Returns the keys that moved (to the queue or failed).
   */
  async fail(keys: unknown, options: unknown): Promise<string[]> {
    const o = checkOptions('options', options as { conditions?: object[]; retry?: boolean }, [
      'conditions',
      'retry',
    ]);
    const retry = checkBoolean('retry', o.retry ?? true);
    const checked = checkKeys('keys', keys);
    const n = checked.length;
    const conditions = checkConditions('conditions', o.conditions, n) ?? [FAILED_DEFAULT];
    if (n === 0) return [];
    const encoded = this.#encodeColumn(conditions, 'conditions', n);
    const replies = await this.#writeChunked(
      n,
      (from, to) => {
        const tasks: ScriptArg[] = [];
        for (let i = from; i < to; i++) tasks.push(checked[i]!, encoded[i]!);
        const caller = taskOwner(this.ctx.participant);
        return calls.failTasks(this.ctx.keys, { caller, retry, request: randomUUID(), tasks });
      },
      { verb: 'failed', keys: checked, landed: (k) => this.#inState(k, 'failed') },
      (i) => encoded[i]!.length,
    );
    return this.#reportDiscarded('failTasks', checked, replies.flat());
  }

  /**
   * Cancels tasks: queued and delayed ones leave the queue, running ones fail at once (their
   * workers abort the handler's signal); all with `{ message: 'Cancelled', cancelled: true }`,
   * never retried. Finished, failed and unknown tasks are left alone. Returns the keys cancelled.
   */
  async cancel(keys: unknown): Promise<string[]> {
    const checked = checkKeys('keys', keys);
    if (checked.length === 0) return [];
    const condition = this.ctx.encode(CANCELLED, 'condition');
    const replies = await this.#writeChunked(
      checked.length,
      (from, to) => calls.cancelTasks(this.ctx.keys, { condition, keys: checked.slice(from, to) }),
      { verb: 'cancelled', keys: checked, landed: (k) => this.#inState(k, 'failed') },
    );
    return replies.flat();
  }

  /** Moves queued tasks (all by default) to failed. Returns the keys that moved. */
  async emptyQueue(options: unknown): Promise<string[]> {
    const o = checkOptions('options', options as { keys?: string[]; conditions?: object[] }, [
      'keys',
      'conditions',
    ]);
    const keys = o.keys === undefined ? undefined : checkKeys('keys', o.keys);
    const n = keys?.length ?? 1;
    const conditions = checkConditions('conditions', o.conditions, n) ?? [REMOVED_FROM_QUEUE];
    const encoded = this.#encodeColumn(conditions, 'conditions', n);
    if (keys === undefined) {
      const whole = calls.emptyQueue(this.ctx.keys, {
        wholeQueueCondition: encoded[0]!,
        tasks: [],
      });
      return runWrite(this.ctx, whole);
    }
    if (keys.length === 0) return [];
    const replies = await this.#writeChunked(
      keys.length,
      (from, to) => {
        const tasks: ScriptArg[] = [];
        for (let i = from; i < to; i++) tasks.push(keys[i]!, encoded[i]!);
        return calls.emptyQueue(this.ctx.keys, { wholeQueueCondition: encoded[0]!, tasks });
      },
      { verb: 'failed', keys, landed: (k) => this.#inState(k, 'failed') },
    );
    return replies.flat();
  }

  /**
   * Writes one hash per index (see `Rush.writeHashes`). With `keys`, their number is the number
   * of hashes and every column has that length or 1; without, the longest column sets it.
   */
  async writeHashes(values: unknown, options: unknown): Promise<string[]> {
    const o = checkOptions('options', options as { keys?: string[] }, ['keys']);
    if (!isPlainObject(values)) {
      throw new RushInputError(
        'values',
        `must be an object of field → array of values, got ${describeValue(values)}`,
      );
    }
    const keys = o.keys === undefined ? undefined : checkKeys('keys', o.keys);
    const fields = Object.keys(values);
    checkWritableFields('values', fields);
    checkFields('values', fields);
    let n = keys?.length;
    for (const field of fields) {
      const column = values[field];
      if (!Array.isArray(column)) {
        throw new RushInputError(
          `values.${field}`,
          `must be an array, got ${describeValue(column)}`,
        );
      }
      if (column.length === 1) continue;
      if (n === undefined || (keys === undefined && n === 1)) n = column.length;
      if (column.length !== n) {
        const expected = keys ? `the length of keys (${n}) or 1` : `length ${n} or 1`;
        throw new RushInputError(
          `values.${field}`,
          `must have ${expected}, got length ${column.length}`,
        );
      }
    }
    // Objects written as xs, ys or extras are spread into rows like a task's: same names refused.
    for (const field of fields) {
      if (!SPREAD_FIELDS.has(field)) continue;
      (values[field] as unknown[]).forEach((value, i) => {
        if (isPlainObject(value)) checkObjectRowNames(`values.${field}[${i}]`, value);
      });
    }
    n ??= fields.length > 0 ? 1 : 0;
    if (n === 0 || fields.length === 0) return keys ?? [];
    const count = n;
    const encoded = fields.map((f) =>
      this.#encodeColumn(values[f] as unknown[], `values.${f}`, count),
    );
    const targets = keys ?? Array.from({ length: count }, () => randomUUID());
    // New hashes can be told apart from old ones afterwards; overwritten ones cannot.
    const written =
      keys === undefined
        ? { verb: 'written', keys: targets, landed: (k: readonly string[]) => this.#existing(k) }
        : undefined;
    await this.#writeChunked(
      count,
      (from, to) => {
        const hashes: ScriptArg[] = [];
        for (let i = from; i < to; i++) {
          hashes.push(targets[i]!);
          for (const column of encoded) hashes.push(column[i]!);
        }
        return calls.writeHashes(this.ctx.keys, { fields, hashes });
      },
      written,
      (i) => encoded.reduce((sum, column) => sum + column[i]!.length, 0),
    );
    return targets;
  }

  /** Encodes one value per task; a column of length 1 is encoded once and shared. */
  #encodeColumn(values: readonly unknown[], argument: string, n: number): Buffer[] {
    if (values.length === 1 && n > 1) {
      return new Array<Buffer>(n).fill(this.ctx.encode(values[0], `${argument}[0]`));
    }
    return values.map((v, i) => this.ctx.encode(v, `${argument}[${i}]`));
  }

  /**
   * Runs a writing script for chunks of `n` items (`chunk` builds the call of items
   * `from..to`): one call when one chunk suffices, else all chunks in one pipeline.
   * Returns the replies in order.
   */
  async #writeChunked<R>(
    n: number,
    chunk: (from: number, to: number) => ScriptCall<R>,
    batch?: PartialWrite,
    sizeOf: (i: number) => number = () => 0,
  ): Promise<R[]> {
    // Chunks bounded in count and in bytes: a server drops a connection whose command is over
    // its query buffer limit, and the resent command would be dropped forever.
    const maxBytes = this.ctx.maxCommandBytes();
    const parts: ScriptCall<R>[] = [];
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const size = sizeOf(i);
      if (i > from && (i - from >= WRITE_CHUNK || bytes + size > maxBytes)) {
        parts.push(chunk(from, i));
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    parts.push(chunk(from, n));
    try {
      // One call, or all chunks in one pipeline; with durability, WAIT in the same round trip.
      return await runWrites(this.ctx, parts);
    } catch (error) {
      // Each chunk is one atomic script: with several, some may have landed before Redis
      // refused the rest (say at maxmemory). Say which, so a retry does not write them twice.
      if (parts.length === 1 || batch === undefined) throw error;
      const landed = await batch.landed(batch.keys).catch(() => []);
      if (landed.length === 0) throw error;
      throw RushBatchError.partial(batch.verb, landed, batch.keys.length, error);
    }
  }

  /** The keys among `keys` whose hash exists. */
  async #existing(keys: readonly string[]): Promise<string[]> {
    const pipeline = this.ctx.client().pipeline();
    for (const key of keys) pipeline.exists(this.ctx.keys.task(key));
    const found = unwrap(await pipeline.exec()) as number[];
    return keys.filter((_, i) => found[i] === 1);
  }

  /** The keys among `keys` whose task is in `state`. */
  async #inState(keys: readonly string[], state: TaskState): Promise<string[]> {
    const pipeline = this.ctx.client().pipeline();
    for (const key of keys) pipeline.hget(this.ctx.keys.task(key), 'state');
    const states = unwrap(await pipeline.exec()) as (string | null)[];
    return keys.filter((_, i) => states[i] === state);
  }

  #reportDiscarded(method: string, keys: readonly string[], moved: string[]): string[] {
    if (moved.length < keys.length) {
      const movedSet = new Set(moved);
      const discarded = keys.filter((k) => !movedSet.has(k));
      this.ctx.logger.warn(
        {
          network: this.ctx.networkId,
          method,
          keys: discarded.slice(0, 20),
          count: discarded.length,
        },
        `${method}: ${discarded.length} task(s) discarded: no longer in a state they can move from (first writer wins)`,
      );
    }
    return moved;
  }
}

function required(argument: string): never {
  throw new RushInputError(argument, 'is required');
}
