/**
 * The shared state of one network's optimization in Redis: a single hash inside the network's
 * namespace (so it shares the network's hash slot on a Cluster) holding the evaluation counter,
 * the start time, the initial design's claim and ASHA's promotion claims; beside it, ASHA's
 * early stopping keeps one list per rung (`optimize:rung:<k>`) of the losses reported there.
 * Both are listed among the network's extra hashes, so `reset()` removes them like every other
 * key of the network. Every change is one command that Redis applies atomically (HINCRBY,
 * HSETNX, RPUSH): first writer wins.
 */
import type { Redis } from 'ioredis';
import { RushKeys } from '../redis/keys.js';
import type { Rush } from '../rush.js';

/** The hash's name among the network's hashes (the part after the task prefix). */
export const STORE_NAME = 'optimize:state';

/** The name (after the task prefix) of the list of losses recorded at ASHA's rung `k`. */
export const rungListName = (k: number) => `optimize:rung:${k}`;

/**
 * The network's optimization hash: start time, evaluation counter and first-writer-wins claims.
 * Made by `optimize`, one per participant.
 * @internal
 */
export class OptimizationStore {
  readonly #client: () => Redis;
  readonly #hash: string;
  readonly #extraHashes: string;
  readonly #keys: RushKeys;
  /** Server clock minus this process's clock, in ms (set by `start`). */
  #offsetMs = 0;

  constructor(rush: Rush) {
    const keys = new RushKeys(rush.networkId);
    this.#client = () => rush.connector;
    this.#keys = keys;
    this.#hash = keys.task(STORE_NAME);
    this.#extraHashes = keys.extraHashes;
  }

  /** The Redis key of the hash (for tests and tools). */
  get key(): string {
    return this.#hash;
  }

  /**
   * Records the network's start time, from the Redis server's clock, unless a participant did
   * before (first writer wins), and counts this participant in. Returns the start in server ms
   * and the participant's arrival number (1 for the first); learns this process's clock offset.
   */
  async start(): Promise<{ startedAt: number; arrival: number }> {
    const before = Date.now();
    const [seconds, micros] = (await this.#client().time()) as [number | string, number | string];
    const after = Date.now();
    const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    this.#offsetMs = server - (before + after) / 2;
    const replies = await this.#multi((m) =>
      m
        .hsetnx(this.#hash, 'started_at', server)
        .hget(this.#hash, 'started_at')
        .hincrby(this.#hash, 'participants', 1),
    );
    return { startedAt: Number(replies[1]), arrival: Number(replies[2]) };
  }

  /** The Redis server's clock now, estimated without a round trip (after `start`). */
  serverNow(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Counts one evaluation of the network; returns how many were counted, this one included. */
  async countEvaluation(): Promise<number> {
    const replies = await this.#multi((m) => m.hincrby(this.#hash, 'evaluations', 1));
    return Number(replies[0]);
  }

  /** Evaluations counted so far. */
  async evaluations(): Promise<number> {
    return Number((await this.#client().hget(this.#hash, 'evaluations')) ?? 0);
  }

  /** Claims `field` for `owner` if nobody did before. True when this call won. */
  async claim(field: string, owner: string): Promise<boolean> {
    const replies = await this.#multi((m) => m.hsetnx(this.#hash, field, owner));
    return Number(replies[0]) === 1;
  }

  /** Writes a field (no claim). */
  async set(field: string, value: string): Promise<void> {
    await this.#multi((m) => m.hset(this.#hash, field, value));
  }

  async get(field: string): Promise<string | null> {
    return this.#client().hget(this.#hash, field);
  }

  /**
   * Appends `entry` to the list of each rung in `rungs` and reads each list from `from[i]` to
   * its end (this entry included), in one MULTI: a consistent view of who reached the rung
   * first. Returns the entries read, per rung of `rungs`.
   */
  async recordAtRungs(
    rungs: readonly number[],
    entry: string,
    from: readonly number[],
  ): Promise<string[][]> {
    const names = rungs.map(rungListName);
    const replies = await this.#multi((m) => {
      for (const name of names) m.rpush(this.#keys.task(name), entry);
      for (const [i, name] of names.entries()) m.lrange(this.#keys.task(name), from[i]!, -1);
      return m;
    }, names);
    return replies.slice(rungs.length) as string[][];
  }

  /**
   * Runs commands in one MULTI after registering the hash (and `lists`) for `reset`; returns
   * their replies.
   */
  async #multi(
    build: (m: ReturnType<Redis['multi']>) => ReturnType<Redis['multi']>,
    lists: readonly string[] = [],
  ): Promise<unknown[]> {
    const m = this.#client()
      .multi()
      .sadd(this.#extraHashes, STORE_NAME, ...lists);
    const results = (await build(m).exec()) ?? [];
    const replies: unknown[] = [];
    for (const [error, reply] of results.slice(1)) {
      if (error) throw error;
      replies.push(reply);
    }
    return replies;
  }
}
