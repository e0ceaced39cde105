/**
 * The Redis connections of one dashboard (or `rushnet metrics`): a fixed number, shared by every
 * network it shows, whatever pages ask for. `reads` carries the monitors' polls (large reads of
 * finished tasks); `quick` the short questions (does a network exist, the overview's counts,
 * /metrics extras, the probe that tells a slow read from a lost server), so they never wait
 * behind a large read. Each is opened when first needed and reconnects by itself afterwards.
 */
import type { Redis } from 'ioredis';
import { RushConfigError } from '../errors.js';
import { rushConfig } from '../plan.js';
import { redacted } from '../redact.js';
import { type RedisConfig, type ResolvedRedisConfig, resolveConfig } from '../redis/config.js';
import { closeConnection, openConnection } from '../redis/connection.js';
import { defineScripts } from '../redis/scripts/index.js';
import { Rush } from '../rush.js';
import { explainFailure } from './redis-failure.js';

export type Role = 'reads' | 'quick';

/** Redis connections a dashboard holds at most, whatever is requested (docs/dashboard.md). */
export const DASHBOARD_CONNECTIONS = 2;

export class SharedConnections {
  /** The Redis server, password hidden. */
  readonly where: string;
  /** The settings in use (the plan's, `REDIS_URL` or the default when none are given). */
  readonly config: ResolvedRedisConfig;
  readonly #open = new Map<Role, Promise<Redis>>();
  #closed = false;

  constructor(config?: RedisConfig) {
    this.config = resolveConfig(config, rushConfig().config);
    this.where = redacted(this.config);
  }

  /**
   * The connection of a role, opened on first use. A failed opening is not kept: the next call
   * tries again. @throws RushConfigError naming the cause (max clients, authentication, refused)
   */
  get(role: Role): Promise<Redis> {
    if (this.#closed) return Promise.reject(new RushConfigError('the dashboard is closed'));
    let client = this.#open.get(role);
    if (!client) {
      client = this.#connect(role);
      this.#open.set(role, client);
      client.catch(() => this.#open.delete(role));
    }
    return client;
  }

  async #connect(role: Role): Promise<Redis> {
    try {
      const client = await openConnection(this.config, `rushnet:dashboard:${role}`);
      defineScripts(client);
      if (this.#closed) {
        await closeConnection(client);
        throw new RushConfigError('the dashboard is closed');
      }
      return client;
    } catch (error) {
      throw new RushConfigError(
        `cannot reach Redis at ${this.where}: ${await explainFailure(error, this.config)}`,
        { cause: error },
      );
    }
  }

  /** Connections open now (for tests and the documented bound). */
  get size(): number {
    return this.#open.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(all.map((p) => p.then(closeConnection, () => {})));
  }
}

/**
 * A read-only `Rush` of one network that uses a shared connection instead of opening its own:
 * its finished-task cache is its own, its connection is the dashboard's.
 */
export class SharedRush extends Rush {
  readonly #connection: () => Promise<Redis>;

  constructor(networkId: string, connections: SharedConnections) {
    super({ networkId, config: connections.config });
    this.#connection = () => connections.get('reads');
  }

  protected override open(): Promise<Redis> {
    return this.#connection();
  }

  /** The connection belongs to the dashboard: closing this instance leaves it open. */
  protected override async closeConnections(): Promise<void> {}
}
