/**
 * Waking waiters when tasks finish or fail, without polling Redis: the state-changing scripts
 * PUBLISH on the network's events channel and a lazily opened subscriber connection listens.
 * A generation counter closes the race between checking Redis and starting to wait.
 *
 * News for a participant's own machinery travels on a second channel, the control channel, so
 * that a worker that only needs it is not woken by every finished task of the network. Its
 * messages are passed on to listeners by their first word: `delayed <ms>` (a retry waits that
 * long: a blocked pop may need to wake then) and `cancelled <key> ...` (running tasks were
 * cancelled: their handlers abort). One subscriber connection serves both channels, each
 * subscribed on first use. The events channel stays subscribed only while waits use it (and
 * a second after, for the next wait of a loop): a manager that is not waiting is not woken by
 * every finished task either.
 */
import type { Redis } from 'ioredis';
import { closeConnection } from '../redis/connection.js';

/** How long the events channel stays subscribed after the last wait ended. */
const IDLE_UNSUBSCRIBE_MS = 1000;

export class TaskEvents {
  #subscriber: Redis | undefined;
  #opening: Promise<Redis> | undefined;
  /** The subscriptions made or under way, by channel. */
  #subscriptions = new Map<string, Promise<void>>();
  #generation = 0;
  #waiters = new Set<() => void>();
  #listeners = new Map<string, Set<(words: string[]) => void>>();
  /** The waits under way (`ready` without its `release`). */
  #users = 0;
  #idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly open: () => Promise<Redis>,
    private readonly channel: string,
    private readonly controlChannel: string,
  ) {}

  /** Counts the events seen so far. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Subscribes to the events channel (once). Call before reading the state a wait depends on,
   * and `release()` when the wait is over.
   */
  async ready(): Promise<number> {
    this.#users++;
    clearTimeout(this.#idle);
    try {
      await this.#subscribe(this.channel);
    } catch (error) {
      this.release();
      throw error;
    }
    return this.#generation;
  }

  /** Ends a wait begun by `ready`; the last one unsubscribes a little later (if none began). */
  release(): void {
    if (--this.#users > 0) return;
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#users > 0 || !this.#subscriptions.has(this.channel)) return;
      this.#subscriptions.delete(this.channel);
      // A SUBSCRIBE sent after this (a new wait) is applied after it: the order of one connection.
      this.#subscriber?.unsubscribe(this.channel).catch(() => undefined);
    }, IDLE_UNSUBSCRIBE_MS);
    this.#idle.unref();
  }

  /** Subscribes to the control channel (once), for the listeners of `on`. */
  async listen(): Promise<void> {
    await this.#subscribe(this.controlChannel);
  }

  #subscribe(channel: string): Promise<void> {
    let subscription = this.#subscriptions.get(channel);
    if (!subscription) {
      subscription = this.#connection()
        .then(async (subscriber) => {
          await subscriber.subscribe(channel);
        })
        .catch((error: unknown) => {
          this.#subscriptions.delete(channel);
          throw error;
        });
      this.#subscriptions.set(channel, subscription);
    }
    return subscription;
  }

  #connection(): Promise<Redis> {
    this.#opening ??= this.open().then(
      (subscriber) => {
        subscriber.on('message', (channel: string, message: string) =>
          this.#received(channel, message),
        );
        this.#subscriber = subscriber;
        return subscriber;
      },
      (error: unknown) => {
        this.#opening = undefined;
        throw error;
      },
    );
    return this.#opening;
  }

  #received(channel: string, message: string): void {
    if (channel === this.controlChannel) {
      const words = message.split(' ');
      for (const listener of this.#listeners.get(words[0]!) ?? []) listener(words.slice(1));
      return;
    }
    this.#generation++;
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /**
   * Calls `listener` with the words after `kind` of each `kind` message of the control channel
   * (`delayed`, `cancelled`). Returns a function that removes it. Subscribe with `listen()` to
   * receive them.
   */
  on(kind: string, listener: (words: string[]) => void): () => void {
    const set = this.#listeners.get(kind) ?? new Set();
    set.add(listener);
    this.#listeners.set(kind, set);
    return () => set.delete(listener);
  }

  /**
   * Resolves when an event arrives after `generation` was read, or after `ms` milliseconds.
   * Returns whether an event arrived.
   */
  wait(generation: number, ms: number): Promise<boolean> {
    if (this.#generation !== generation) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, ms);
      this.#waiters.add(wake);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.#idle);
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
    const subscriber = this.#subscriber;
    const opening = this.#opening;
    this.#subscriber = undefined;
    this.#opening = undefined;
    this.#subscriptions.clear();
    if (subscriber) await closeConnection(subscriber);
    else if (opening) await opening.then(closeConnection, () => undefined);
  }
}

/** Longest single wait between checks while blocking on events (a safety net, not a poll). */
export const MAX_EVENT_WAIT_MS = 1000;

/**
 * The wait loop every blocking call shares: runs `check` until it returns a value (not
 * `undefined`), sleeping on the events channel between checks until `deadline` (ms since the
 * epoch; Infinity for none). `onTimeout` makes the error (or value) when the time is up.
 */
export async function waitOnEvents<T>(
  events: TaskEvents,
  deadline: number,
  check: () => Promise<T | undefined>,
  onTimeout: () => T,
): Promise<T> {
  let generation = await events.ready();
  try {
    for (;;) {
      const result = await check();
      if (result !== undefined) return result;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return onTimeout();
      await events.wait(generation, Math.min(remaining, MAX_EVENT_WAIT_MS));
      generation = events.generation;
    }
  } finally {
    events.release();
  }
}
