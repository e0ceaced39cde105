/**
 * What the parts of a `Rush` share: the network, its keys, who this participant is, its
 * connection, logger, event listener and value encoder. Each part (writing, queue, reading,
 * waiting, workers) depends on this narrow context, not on the `Rush` class.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { RushKeys } from '../redis/keys.js';
import type { TaskEvents } from './events.js';
import type { CheckedDurability } from './write-path.js';

/** Who takes part: a worker (its id goes into the tasks it creates and runs) or a manager. */
export interface Participant {
  /** The owner of this participant's pending list: the worker id, or `manager-<uuid>`. */
  readonly id: string;
  readonly isWorker: boolean;
}

/** What a manager's participant id starts with (a worker's id is its worker id). */
export const MANAGER_ID_PREFIX = 'manager-';

/** The worker id stored with the tasks a participant creates or runs ('' for a manager). */
export function taskOwner(participant: Participant): string {
  return participant.isWorker ? participant.id : '';
}

export interface RushContext {
  readonly networkId: string;
  readonly keys: RushKeys;
  readonly participant: Participant;
  readonly logger: Logger;
  readonly events: TaskEvents;
  /** Replicas each state change waits for (`durability` option), or none. */
  readonly durability: CheckedDurability | undefined;
  /** The main connection (throws when not connected). */
  client(): Redis;
  /** Opens another connection of this participant (for blocking pops). */
  open(role: string): Promise<Redis>;
  /**
   * Encodes a value, moving it to a file when it is over the size limit (`kind` 'config' for a
   * worker configuration, whose file a task-only reset keeps).
   */
  encode(value: unknown, argument: string, kind?: 'task' | 'config'): Buffer;
  /** Warns that tasks had no data in Redis and were dropped from a result. */
  warnMissing(keys: readonly string[]): void;
  /** Warns that tasks held stored bytes that cannot be decoded and were dropped from a result. */
  warnUndecodable(tasks: readonly { key: string; problem: string }[]): void;
  /** The most bytes of values one command may carry (the server's limits allow it). */
  maxCommandBytes(): number;
}
