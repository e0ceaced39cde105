/**
 * `RushBase`: what every participant of a network is before its task API: its settings, its
 * connections, the context its parts share, its loggers. `Rush` (rush.ts) builds the parts
 * (writer, queue, reader, workers) on the context and adds the public task and worker API.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closedError, RushError } from '../errors.js';
import { getLogger, type Logger, logger } from '../logging/logger.js';
import type { ManagerContext } from '../manager/manager-context.js';
import { rushConfig } from '../plan.js';
import {
  hidePassword,
  type RedisConfig,
  type ResolvedRedisConfig,
  resolveConfig,
} from '../redis/config.js';
import {
  closeConnection,
  DEFAULT_MAX_BULK,
  openConnection,
  readMaxBulkLength,
  readQueryBufferLimit,
} from '../redis/connection.js';
import { RushKeys } from '../redis/keys.js';
import { defineScripts } from '../redis/scripts/index.js';
import {
  encodeWithinLimit,
  type LargeObjectKind,
  type LargeObjectPolicy,
} from '../tasks/large-objects.js';
import { checkNetworkId, checkOptions } from '../validate.js';
import { resolveSecret } from '../worker-config/signing.js';
import { MANAGER_ID_PREFIX, type Participant } from './context.js';
import { CountQueries } from './counts.js';
import { TaskEvents } from './events.js';
import { type CheckedDurability, checkDurability, type Durability } from './write-path.js';

/** Options of {@link rsh} and `new Rush()`. */
export interface RushOptions {
  /** Identifies the network; manager and workers use the same id. @default a new UUID */
  networkId?: string;
  /** Redis to use. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /**
   * Key that signs the worker configurations this manager stores (HMAC-SHA256); the workers it
   * starts receive it in their environment. @default the plan's, else `RUSHNET_SECRET`, else a
   * random key of this manager
   */
  secret?: string;
  /**
   * Every state change waits until `replicas` replicas have it (Redis `WAIT`, in the same round
   * trip), at most `timeout` seconds (default 1), so a failover cannot lose it. Workers started
   * by this manager use the same setting. @default none (Redis replicates asynchronously)
   */
  durability?: Durability;
}

/** Bytes of values per command when writing many tasks: keeps every call short. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

export abstract class RushBase extends CountQueries {
  /** The Redis settings in use (the password is not enumerable, so it does not print). */
  readonly config: Readonly<ResolvedRedisConfig>;
  /** Replicas each state change waits for, or `undefined` (see `RushOptions.durability`). */
  readonly durability: Readonly<CheckedDurability> | undefined;
  /** Redis keys of this network. */
  protected override readonly keys: RushKeys;
  /** Who this instance is in the network (a manager, or the worker of a `RushWorker`). */
  protected readonly participant: Participant;
  readonly #context: ManagerContext;
  readonly #events: TaskEvents;

  readonly #networkId: string;
  readonly #largeObjects: LargeObjectPolicy;
  #client: Redis | undefined;
  #closing: Promise<void> | undefined;

  constructor(options?: RushOptions, participant?: Participant) {
    super();
    const o = checkOptions('options', options, ['networkId', 'config', 'secret', 'durability']);
    this.durability = checkDurability(o.durability);
    this.#networkId =
      o.networkId === undefined ? randomUUID() : checkNetworkId('networkId', o.networkId);
    const plan = rushConfig();
    this.config = hidePassword(resolveConfig(o.config, plan.config));
    this.keys = new RushKeys(this.#networkId);
    this.participant = participant ?? { id: MANAGER_ID_PREFIX + randomUUID(), isWorker: false };
    this.#largeObjects = {
      maxObjectSize: plan.maxObjectSize ?? DEFAULT_MAX_BULK,
      path: plan.largeObjectsPath,
      networkId: this.#networkId,
    };
    this.#events = new TaskEvents(() => this.open('events'), this.keys.events, this.keys.control);
    const self = this;
    // Private (not a plain property): it holds the secret, which printing must never show.
    this.#context = {
      networkId: this.#networkId,
      keys: this.keys,
      participant: this.participant,
      config: this.config,
      events: this.#events,
      durability: this.durability,
      get logger() {
        return self.logger;
      },
      client: () => this.connector,
      open: (role: string) => this.open(role),
      encode: (value: unknown, argument: string, kind?: LargeObjectKind) =>
        encodeWithinLimit(value, argument, this.#largeObjects, kind),
      warnMissing: (keys: readonly string[]) => this.#warnMissing(keys),
      warnUndecodable: (tasks: readonly { key: string; problem: string }[]) =>
        this.#warnUndecodable(tasks),
      // A value is at most maxObjectSize (≤ half the query buffer): a chunk may add one more.
      maxCommandBytes: () => Math.min(MAX_CHUNK_BYTES, this.#largeObjects.maxObjectSize),
      plan: rushConfig,
      secret: resolveSecret(o.secret, plan.secret),
    };
  }

  /** What the parts of this participant share. */
  protected get context(): ManagerContext {
    return this.#context;
  }

  /** The network's id (read-only). */
  override get networkId(): string {
    return this.#networkId;
  }

  /** Where this participant's large objects go (for `reset`). */
  protected get largeObjects(): Readonly<LargeObjectPolicy> {
    return this.#largeObjects;
  }

  /** Connects to Redis and checks that it answers. @throws RushConfigError within seconds when it does not. */
  async connect(): Promise<this> {
    if (this.#closing) throw closedError();
    if (this.#client) return this;
    const client = await this.open('main');
    if (this.#closing) {
      // close() was called while this connection was being opened.
      await closeConnection(client);
      throw closedError();
    }
    if (rushConfig().maxObjectSize === undefined) {
      // A value must fit in one bulk string, and its command in the server's query buffer
      // (a server drops a connection whose command is larger, and a resend would never end).
      const [maxBulk, queryBuffer] = await Promise.all([
        readMaxBulkLength(client),
        readQueryBufferLimit(client),
      ]);
      this.#largeObjects.maxObjectSize = Math.min(maxBulk, Math.floor(queryBuffer / 2));
    }
    this.#client = client;
    return this;
  }

  /** Opens a connection of this participant (`main`: the one that runs rushnet's scripts). */
  protected async open(role: string): Promise<Redis> {
    // Commands on the connections close() ended fail with closedError (see explainReply); a
    // new connection is refused here, so nothing of a closed instance reaches Redis again.
    if (this.#closing) throw closedError();
    const client = await openConnection(this.config, `rushnet:${this.#networkId}:${role}`);
    // The events connection only subscribes and the blocking one only waits in BLMOVE (and is
    // opened again after each interrupted wait): the function library is no business of theirs.
    if (role === 'main') defineScripts(client);
    return client;
  }

  /** The Redis client in use. */
  override get connector(): Redis {
    if (!this.#client) {
      if (this.#closing) throw closedError();
      throw new RushError(`${this} is not connected: call connect() first`);
    }
    return this.#client;
  }

  /**
   * Ends every connection of this instance. Every asynchronous method called afterwards rejects
   * with a RushError saying the instance is closed; a second call does nothing.
   */
  close(): Promise<void> {
    this.#closing ??= this.closeConnections();
    return this.#closing;
  }

  /** Closes the connections; subclasses stop their own machinery first. */
  protected async closeConnections(): Promise<void> {
    await this.#events.close();
    if (this.#client) await closeConnection(this.#client);
  }

  /** The `rushnet` logger (on a worker, its records also go to Redis). */
  get logger(): Logger {
    return this.loggerFor('rushnet');
  }

  /** A logger of the given name, e.g. for a worker loop's own messages. */
  getLogger(name: string): Logger {
    return this.loggerFor(name);
  }

  protected loggerFor(name: string): Logger {
    return name === 'rushnet' ? logger : getLogger(name);
  }

  #warnMissing(keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.logger.warn(
      { network: this.#networkId, keys: keys.slice(0, 20), count: keys.length },
      `${keys.length} task(s) have no data in Redis (evicted or deleted) and were dropped from the result`,
    );
  }

  #warnUndecodable(tasks: readonly { key: string; problem: string }[]): void {
    if (tasks.length === 0) return;
    const [first] = tasks;
    this.logger.warn(
      {
        network: this.#networkId,
        keys: tasks.slice(0, 20).map((t) => t.key),
        count: tasks.length,
        problems: tasks.slice(0, 5).map((t) => `${t.key}: ${t.problem}`),
      },
      `${tasks.length} task(s) hold stored data that cannot be decoded (corrupted, or written by ` +
        `something other than rushnet) and were dropped from the result; task ${first!.key}: ${first!.problem}`,
    );
  }

  override toString(): string {
    return `<${this.constructor.name}> network '${this.#networkId}'`;
  }
}
