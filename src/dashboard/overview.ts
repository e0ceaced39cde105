/**
 * The monitors of one dashboard (one per network, made when first asked for, closed when idle)
 * and the overview: the networks on the server that the Redis user may read, with their counts,
 * polled while a page shows it.
 */
import type { NetworkCounts, RedisConfig } from '../index.js';
import { readNetworks } from '../networks.js';
import { NetworkMonitor } from './monitor.js';
import { describeError, Pause } from './spacing.js';

/** A monitor nobody watched for this long is closed (its connection and rows freed). */
const IDLE_MS = 5 * 60_000;
/** Networks the overview shows; it says how many more there are. */
const MAX_SHOWN = 100;

export class Registry {
  readonly #monitors = new Map<string, NetworkMonitor>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    readonly config: RedisConfig | undefined,
    readonly intervalMs: number,
    readonly ys?: string,
  ) {
    this.#sweeper = setInterval(() => this.#sweep(), 30_000);
    this.#sweeper.unref();
  }

  /** The monitor of a network. @throws RushInputError for a malformed id */
  get(networkId: string, pinned = false): NetworkMonitor {
    let monitor = this.#monitors.get(networkId);
    if (!monitor) {
      monitor = new NetworkMonitor({
        networkId,
        config: this.config,
        intervalMs: this.intervalMs,
        pinned,
        ys: this.ys,
      });
      this.#monitors.set(networkId, monitor);
    }
    return monitor;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    const all = [...this.#monitors.values()];
    this.#monitors.clear();
    await Promise.all(all.map((m) => m.close()));
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, m] of this.#monitors) {
      if (m.pinned || m.subscribers > 0 || now - m.lastUsed < IDLE_MS) continue;
      this.#monitors.delete(id);
      void m.close();
    }
  }
}

export interface OverviewState {
  /** The Redis server, password hidden. */
  server: string;
  networks: { id: string; counts: NetworkCounts | null }[];
  /** Networks beyond MAX_SHOWN, not shown. */
  more: number;
  status: { state: 'connecting' | 'ok' | 'unreachable'; message: string };
}

export class Overview {
  state: OverviewState;
  readonly #listeners = new Set<() => void>();
  #running = false;
  #closed = false;
  readonly #pause = new Pause();

  constructor(
    private readonly registry: Registry,
    private readonly where: string,
    private readonly intervalMs = 2000,
  ) {
    this.state = {
      server: where,
      networks: [],
      more: 0,
      status: { state: 'connecting', message: 'Connecting to Redis…' },
    };
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (!this.#running && !this.#closed) {
      this.#running = true;
      void this.#loop();
    }
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    this.#pause.wake();
  }

  /** One poll: the networks this user may read, with their counts (one connection). */
  async read(): Promise<OverviewState> {
    const { networks } = await readNetworks(this.registry.config);
    return {
      server: this.where,
      networks: networks.slice(0, MAX_SHOWN),
      more: Math.max(networks.length - MAX_SHOWN, 0),
      status: { state: 'ok', message: '' },
    };
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.#listeners.size > 0) {
      try {
        this.state = await this.read();
      } catch (error) {
        this.state = {
          ...this.state,
          status: {
            state: 'unreachable',
            message: `Cannot list the networks on ${this.where}: ${describeError(error)} (retrying)`,
          },
        };
      }
      for (const listener of this.#listeners) listener();
      await this.#pause.for(this.intervalMs);
    }
    this.#running = false;
  }
}
