/**
 * The monitors of one dashboard (one per network, made when first asked for, closed when idle)
 * and the overview: the networks on the server with their counts, polled while a page shows it.
 */
import { listNetworks, type NetworkCounts, type RedisConfig } from '../index.js';
import { NetworkMonitor } from './monitor.js';

/** A monitor nobody watched for this long is closed (its connection and rows freed). */
const IDLE_MS = 5 * 60_000;
/** Networks whose counts the overview reads; more are listed without counts. */
const MAX_COUNTED = 100;

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
  /** Networks beyond MAX_COUNTED, listed without counts. */
  more: number;
  status: { state: 'connecting' | 'ok' | 'unreachable'; message: string };
}

export class Overview {
  state: OverviewState;
  readonly #listeners = new Set<() => void>();
  #running = false;
  #closed = false;
  #wake: (() => void) | undefined;

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
    this.#wake?.();
  }

  async #counts(id: string): Promise<NetworkCounts | null> {
    try {
      return await this.registry.get(id).readCounts();
    } catch {
      return null;
    }
  }

  async #loop(): Promise<void> {
    while (!this.#closed && this.#listeners.size > 0) {
      try {
        const ids = await listNetworks({ config: this.registry.config });
        const counted = ids.slice(0, MAX_COUNTED);
        const counts = await Promise.all(counted.map((id) => this.#counts(id)));
        this.state = {
          server: this.where,
          networks: counted.map((id, i) => ({ id, counts: counts[i] ?? null })),
          more: ids.length - counted.length,
          status: { state: 'ok', message: '' },
        };
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        this.state = {
          ...this.state,
          status: {
            state: 'unreachable',
            message: `Cannot list the networks on ${this.where}: ${text.split('\n')[0]} (retrying)`,
          },
        };
      }
      for (const listener of this.#listeners) listener();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.intervalMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#running = false;
  }
}
