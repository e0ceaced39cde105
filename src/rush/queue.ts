/**
 * The queue path: taking tasks. A pop is one script call that takes tasks and marks them
 * running; `settleAndTake` also settles the caller's completed tasks in the same call (the
 * steady step of `processTasks`). When the queue is empty the caller blocks on a connection of
 * its own (BLMOVE into its pending list, so a crash between the two steps leaves the task where
 * lost-worker detection looks) and then claims what arrived.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { explained } from '../errors.js';
import { closeConnection } from '../redis/connection.js';
import * as calls from '../redis/scripts/calls.js';
import type { ScriptArg } from '../redis/scripts/index.js';
import { encodeValue } from '../tasks/codec.js';
import { DEFAULT_FIELDS } from '../tasks/fields.js';
import { poppedTasks } from '../tasks/rows.js';
import type { PoppedTask, PopTaskOptions } from '../types.js';
import { checkFields, checkOptions, checkSeconds } from '../validate.js';
import { type RushContext, taskOwner } from './context.js';
import { runWrite } from './durability.js';

type Task = PoppedTask<object>;

export class TaskQueue {
  /** Tasks taken whose data could not be decoded (failed at once), e.g. for `processTasks`. */
  undecodableTaken = 0;
  #blocking: Redis | undefined;
  #registered = false;
  /** Counts pops, for their request ids (unique with the nonce, even if ids are reused). */
  #pops = 0;
  readonly #nonce = randomUUID().slice(0, 8);

  constructor(private readonly ctx: RushContext) {}

  /**
   * Takes up to `n` tasks and marks them running, waiting up to `timeout` seconds for the
   * first. Returns `[]` when none came.
   */
  async pop(n: number, options: PopTaskOptions | undefined): Promise<Task[]> {
    const o = checkOptions('options', options, ['timeout', 'fields']);
    const timeout = checkSeconds('timeout', o.timeout ?? 1, { infinite: true });
    const fields = checkFields('fields', o.fields ?? [...DEFAULT_FIELDS.popTask]);
    const tasks = await this.take(n, fields);
    if (tasks.length > 0 || timeout === 0) return tasks;
    return this.waitAndTake(n, fields, timeout);
  }

  /**
   * Takes up to `n` tasks without waiting (one round trip). Tasks whose data cannot be decoded
   * are failed for good and, with `carryOn`, the next ones taken instead (`processTasks` counts
   * them among the tasks it took, so it takes the next ones itself).
   */
  async take(n: number, fields: readonly string[], claim = '', carryOn = true): Promise<Task[]> {
    await this.#register();
    const { keys, participant } = this.ctx;
    for (;;) {
      const call = calls.popTask(keys, {
        popperId: participant.id,
        workerId: taskOwner(participant),
        claim,
        count: n,
        request: this.#requestId(),
        fields,
      });
      const reply = await runWrite(this.ctx, call);
      if (!reply) return [];
      const { tasks, undecodable } = poppedTasks<object>(reply, fields);
      if (undecodable.length === 0) return tasks;
      await this.#failUndecodable(undecodable);
      if (tasks.length > 0 || n === 0 || !carryOn) return tasks;
      claim = ''; // taken (and failed) already
    }
  }

  /**
   * Settles completed tasks (finished or failed; first writer wins) and takes up to `n` more,
   * in one round trip. Returns the keys settled and the tasks taken.
   */
  async settleAndTake(
    completions: readonly calls.Completion[],
    n: number,
    fields: readonly string[],
  ): Promise<{ settled: string[]; tasks: Task[] }> {
    await this.#register();
    const { keys, participant } = this.ctx;
    const call = calls.completeAndPop(keys, {
      popperId: participant.id,
      workerId: taskOwner(participant),
      completions,
      count: n,
      request: this.#requestId(),
      fields,
    });
    const [settled, taken] = await runWrite(this.ctx, call);
    if (taken.length === 0) return { settled: settled.map(String), tasks: [] };
    const { tasks, undecodable } = poppedTasks<object>(taken, fields);
    if (undecodable.length > 0) await this.#failUndecodable(undecodable);
    return { settled: settled.map(String), tasks };
  }

  /**
   * Blocks up to `timeout` seconds for a task, then takes it and up to `n - 1` more. Without
   * `carryOn`, returns what it took as soon as a task taken could not be decoded (see `take`).
   */
  async waitAndTake(
    n: number,
    fields: readonly string[],
    timeout: number,
    carryOn = true,
  ): Promise<Task[]> {
    const { keys, participant } = this.ctx;
    const blocking = await this.#blockingClient();
    const pending = keys.pending(participant.id);
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const remaining = (deadline - Date.now()) / 1000;
      if (remaining <= 0) return [];
      const key = await blocking.blmove(
        keys.queued,
        pending,
        'LEFT',
        'RIGHT',
        Number.isFinite(remaining) ? Math.max(remaining, 0.01) : 0,
      );
      if (key === null) return [];
      // An empty result: another actor failed the task while it was pending; wait on.
      const failed = this.undecodableTaken;
      const claimed = await this.take(n - 1, fields, key, carryOn);
      if (claimed.length > 0 || (!carryOn && this.undecodableTaken !== failed)) return claimed;
    }
  }

  /**
   * Fails popped tasks whose data cannot be decoded (corrupted bytes, a foreign writer): no
   * caller could run them, so they fail for good, with a condition that says why, and the
   * popper carries on with the next task. One extra round trip, only when it happens.
   */
  async #failUndecodable(tasks: readonly { key: string; problem: string }[]): Promise<void> {
    const args: ScriptArg[] = [];
    for (const { key, problem } of tasks) {
      const condition = {
        message: `Task data could not be decoded: ${problem}`,
        undecodable: true,
      };
      args.push(key, encodeValue(condition, 'condition'));
    }
    // Not retried: the same bytes would fail again.
    await runWrite(this.ctx, calls.failTasks(this.ctx.keys, args));
    this.undecodableTaken += tasks.length;
    this.ctx.logger.warn(
      {
        network: this.ctx.networkId,
        keys: tasks.slice(0, 20).map((t) => t.key),
        count: tasks.length,
        problems: tasks.slice(0, 5).map((t) => `${t.key}: ${t.problem}`),
      },
      `${tasks.length} popped task(s) hold data that cannot be decoded and were failed for good; ` +
        `task ${tasks[0]!.key}: ${tasks[0]!.problem}`,
    );
  }

  /** After a reset, the popper set no longer holds this participant. */
  forgetRegistration(): void {
    this.#registered = false;
  }

  async close(): Promise<void> {
    const blocking = this.#blocking;
    this.#blocking = undefined;
    if (blocking) await closeConnection(blocking);
  }

  /** A fresh request id per call: a resend after a reconnect repeats the id, not the pop. */
  #requestId(): string {
    return this.#nonce + (++this.#pops).toString(36);
  }

  async #register(): Promise<void> {
    if (this.#registered) return;
    // reset() finds pending lists and last pops through this set.
    await explained(this.ctx.client().sadd(this.ctx.keys.poppers, this.ctx.participant.id));
    this.#registered = true;
  }

  async #blockingClient(): Promise<Redis> {
    this.#blocking ??= await this.ctx.open('blocking');
    return this.#blocking;
  }
}
