/**
 * The monitors of one dashboard: at most MAX_MONITORS networks at once, all on the dashboard's
 * shared connections, each made only for a network that exists (one EXISTS on the quick
 * connection decides). A monitor nobody watches is closed after a while, or at once when a
 * place is needed for another network; when every place is watched, a new network is refused.
 */
import { RushError } from '../errors.js';
import { RushKeys } from '../redis/keys.js';
import { checkNetworkId } from '../validate.js';
import type { SharedConnections } from './connections.js';
import { NetworkMonitor } from './monitor.js';

/** Networks watched at once (docs/dashboard.md). */
export const MAX_MONITORS = 16;
/** A monitor nobody watched for this long is closed (its rows freed). */
const IDLE_MS = 60_000;
/** A monitor used this recently is not closed to make room (its request is still under way). */
const GRACE_MS = 5000;

/** The network has no key in Redis: no monitor is made for it (HTTP 404). */
export class NoSuchNetwork extends RushError {}
/** Every place is taken by a watched network (HTTP 503). */
export class PoolFull extends RushError {}

export interface PoolOptions {
  intervalMs: number;
  ys?: string;
  /** Whether monitors read the workers' logs (the page shows them; metrics do not). */
  readLogs?: boolean;
}

/** Whether a network has any key in Redis (one round trip). */
export async function networkExists(
  connections: SharedConnections,
  networkId: string,
): Promise<boolean> {
  const k = new RushKeys(networkId);
  const client = await connections.get('quick');
  const keys = [k.tasks, k.workers, k.workerConfig, k.queued, k.running, k.finished, k.failed];
  return (await client.exists(...keys)) > 0;
}

export class MonitorPool {
  readonly #monitors = new Map<string, NetworkMonitor>();
  readonly #pending = new Map<string, Promise<NetworkMonitor>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    readonly connections: SharedConnections,
    readonly options: PoolOptions,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(Date.now() - IDLE_MS), 10_000);
    this.#sweeper.unref();
  }

  /** Monitors open now. */
  get size(): number {
    return this.#monitors.size;
  }

  /**
   * The monitor of the network the dashboard was started for: made at once, kept for good, and
   * showing "no data yet" until the network appears. @throws RushInputError for a malformed id
   */
  pin(networkId: string): NetworkMonitor {
    checkNetworkId('network', networkId);
    const monitor = this.#make(networkId, true);
    return monitor;
  }

  /**
   * The monitor of a network that exists.
   * @throws RushInputError for a malformed id, NoSuchNetwork, PoolFull, RushConfigError
   */
  async acquire(networkId: string): Promise<NetworkMonitor> {
    checkNetworkId('network', networkId);
    const known = this.#monitors.get(networkId);
    if (known) {
      known.lastUsed = Date.now();
      return known;
    }
    let pending = this.#pending.get(networkId);
    if (!pending) {
      pending = this.#open(networkId).finally(() => this.#pending.delete(networkId));
      this.#pending.set(networkId, pending);
    }
    return pending;
  }

  async #open(networkId: string): Promise<NetworkMonitor> {
    if (!(await networkExists(this.connections, networkId)))
      throw new NoSuchNetwork(
        `Network "${networkId}" has no data on ${this.connections.where}: it does not exist, was reset or removed, or has not started yet. This page checks again every few seconds.`,
      );
    const known = this.#monitors.get(networkId);
    if (known) return known;
    if (this.#monitors.size >= MAX_MONITORS) this.#evictOne();
    if (this.#monitors.size >= MAX_MONITORS)
      throw new PoolFull(
        `This dashboard watches ${MAX_MONITORS} networks already, each in use; close a page of another network and try again.`,
      );
    return this.#make(networkId, false);
  }

  #make(networkId: string, pinned: boolean): NetworkMonitor {
    const monitor = new NetworkMonitor({
      networkId,
      connections: this.connections,
      intervalMs: this.options.intervalMs,
      pinned,
      ys: this.options.ys,
      readLogs: this.options.readLogs,
    });
    this.#monitors.set(networkId, monitor);
    return monitor;
  }

  /** Closes the monitor least recently used among those nobody watches. */
  #evictOne(): void {
    let oldest: NetworkMonitor | undefined;
    const recent = Date.now() - GRACE_MS;
    for (const m of this.#monitors.values()) {
      if (m.pinned || m.subscribers > 0 || m.lastUsed > recent) continue;
      if (!oldest || m.lastUsed < oldest.lastUsed) oldest = m;
    }
    if (!oldest) return;
    this.#monitors.delete(oldest.networkId);
    void oldest.close();
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const all = [...this.#monitors.values()];
    this.#monitors.clear();
    await Promise.all(all.map((m) => m.close()));
  }

  #sweep(before: number): void {
    for (const [id, m] of this.#monitors) {
      if (m.pinned || m.subscribers > 0 || m.lastUsed >= before) continue;
      this.#monitors.delete(id);
      void m.close();
    }
  }
}
