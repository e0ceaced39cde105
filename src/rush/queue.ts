/**
 * The queue path: taking tasks. A pop is one script call that takes tasks and marks them
 * running; `settleAndTake` also settles the caller's completed tasks in the same call (the
 * steady step of `processTasks`). When the queue is empty the caller blocks on a connection of
 * its own (BLMOVE into its pending list, so a crash between the two steps leaves the task where
 * lost-worker detection looks) and then claims what arrived.
 *
 * Delayed retries need no scheduler: every pop first moves the due ones to the queue, and a pop
 * that finds nothing learns (in the same reply) how long until the earliest delayed task is
 * due, and blocks no longer than that. A retry delayed while a pop is already blocked is
 * announced on the control channel (`delayed <ms>`, see events.ts): a pop subscribed to it (one that waits
 * longer than a second, or any pop of a worker running processTasks) closes its blocking
 * connection when it would otherwise sleep past the due time, and pops again. Nothing polls
 * Redis while the network is idle.
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
import { runWrite } from './write-path.js';

type Task = PoppedTask<object>;

/** Wait this much past a retry's due time, so the server's clock has passed it too. */
const DUE_MARGIN_MS = 5;
/** Pops that wait longer than this (seconds) listen for retries delayed meanwhile. */
const LISTEN_ABOVE_S = 1;

export class TaskQueue {
  /** Tasks taken whose data could not be decoded (failed at once), e.g. for `processTasks`. */
  undecodableTaken = 0;
  #blocking: Redis | undefined;
  #registered = false;
  /** Counts pops, for their request ids (unique with the nonce, even if ids are reused). */
  #pops = 0;
  readonly #nonce = randomUUID().slice(0, 8);
  /** When (local ms) the earliest delayed task is due, as last learned; Infinity for none. */
  #dueAt = Number.POSITIVE_INFINITY;
  /** The blocking pop in progress: when it ends, and how to cut it short. */
  #blocked: { until: number; interrupt: () => void } | undefined;
  /** Subscribed to the control channel (it hears of retries delayed while it waits). */
  #listening = false;

  constructor(private readonly ctx: RushContext) {
    ctx.events.on('delayed', ([ms]) => {
      const due = Date.now() + Number(ms);
      if (!(due < this.#dueAt)) return;
      this.#dueAt = due;
      if (this.#blocked && this.#blocked.until > due + DUE_MARGIN_MS) this.#blocked.interrupt();
    });
  }

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

  /** Takes up to `n` tasks without waiting (one round trip). */
  async take(n: number, fields: readonly string[], claim = '', carryOn = true): Promise<Task[]> {
    if (!this.#registered) await this.#register();
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
      if (typeof reply === 'number') {
        this.#learnDue(reply);
        return [];
      }
      const { tasks, undecodable } = poppedTasks<object>(reply, fields);
      if (undecodable.length === 0) return tasks;
      await this.#failUndecodable(undecodable);
      if (tasks.length > 0 || n === 0 || !carryOn) return tasks;
      claim = ''; // taken (and failed) already
    }
  }

  /**
   * Settles completed tasks (finished or failed; first writer wins) and takes up to `n` more,
   * in one round trip. Returns the tasks taken.
   */
  async settleAndTake(
    completions: readonly calls.Completion[],
    n: number,
    fields: readonly string[],
  ): Promise<Task[]> {
    if (!this.#registered) await this.#register();
    const { keys, participant } = this.ctx;
    const call = calls.completeAndPop(keys, {
      popperId: participant.id,
      workerId: taskOwner(participant),
      completions,
      count: n,
      request: this.#requestId(),
      fields,
    });
    const [, taken, due] = await runWrite(this.ctx, call);
    if (taken.length === 0) {
      this.#learnDue(due);
      return [];
    }
    const { tasks, undecodable } = poppedTasks<object>(taken, fields);
    if (undecodable.length > 0) await this.#failUndecodable(undecodable);
    return tasks;
  }

  /**
   * Blocks up to `timeout` seconds for a task, then takes it and up to `n - 1` more. Blocks no
   * longer than until the earliest delayed retry is due, then pops again. Without `carryOn`,
   * returns what it took as soon as a task taken could not be decoded (see `take`).
   */
  async waitAndTake(
    n: number,
    fields: readonly string[],
    timeout: number,
    carryOn = true,
  ): Promise<Task[]> {
    const { keys, participant } = this.ctx;
    const pending = keys.pending(participant.id);
    const deadline = Date.now() + timeout * 1000;
    if (timeout > LISTEN_ABOVE_S && !this.#listening) {
      // Subscribe once; a retry delayed before the subscription took is seen by this pop.
      // Without it (Redis unreachable now), a pop still wakes at the due times it learns.
      this.#listening = await this.ctx.events.listen().then(
        () => true,
        () => false,
      );
      const failed = this.undecodableTaken;
      const tasks = await this.take(n, fields, '', carryOn);
      if (tasks.length > 0 || (!carryOn && this.undecodableTaken !== failed)) return tasks;
    }
    for (;;) {
      const now = Date.now();
      if (deadline - now <= 0) return [];
      const until = Math.min(deadline, this.#dueAt + DUE_MARGIN_MS);
      const seconds = (until - now) / 1000;
      const blocking = await this.#blockingClient();
      let interrupted = false;
      this.#blocked = {
        until,
        interrupt: () => {
          // Closing the connection ends the BLMOVE; a task it moved meanwhile stays in the
          // pending list, which the next pop claims first.
          interrupted = true;
          if (this.#blocking === blocking) this.#blocking = undefined;
          blocking.disconnect();
        },
      };
      let key: string | null;
      try {
        key = await blocking.blmove(
          keys.queued,
          pending,
          'LEFT',
          'RIGHT',
          Number.isFinite(seconds) ? Math.max(seconds, 0.01) : 0,
        );
      } catch (error) {
        if (!interrupted) throw error;
        key = null;
      } finally {
        this.#blocked = undefined;
      }
      if (key === null) {
        if (!interrupted && until >= deadline) return [];
        // A retry is due (or was delayed meanwhile): pop again, which moves it to the queue.
        this.#dueAt = Number.POSITIVE_INFINITY;
        const failed = this.undecodableTaken;
        const tasks = await this.take(n, fields, '', carryOn);
        if (tasks.length > 0 || (!carryOn && this.undecodableTaken !== failed)) return tasks;
        continue;
      }
      // An empty result: another actor failed the task while it was pending; wait on.
      const failed = this.undecodableTaken;
      const claimed = await this.take(n - 1, fields, key, carryOn);
      if (claimed.length > 0 || (!carryOn && this.undecodableTaken !== failed)) return claimed;
    }
  }

  /** Notes how long until the earliest delayed task is due (-1: none is delayed). */
  #learnDue(ms: number): void {
    this.#dueAt = ms < 0 ? Number.POSITIVE_INFINITY : Date.now() + ms;
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
  /**
   * Fails popped tasks whose data cannot be decoded (corrupted bytes, a foreign writer): no
   * caller could run them, so they fail for good (never retried: the same bytes would fail
   * again), with a condition that says why, and the popper carries on with the next task. One
   * extra round trip, only when it happens.
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
    const { keys, participant } = this.ctx;
    const call = calls.failTasks(keys, {
      caller: taskOwner(participant),
      retry: false,
      request: this.#requestId(),
      tasks: args,
    });
    await runWrite(this.ctx, call);
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
