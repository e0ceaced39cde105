/**
 * The overview: the networks on the server that the Redis user may read, with their counts,
 * polled on the dashboard's quick connection while a page shows it.
 */
import type { NetworkCounts } from '../index.js';
import { readNetworksOn } from '../networks.js';
import type { SharedConnections } from './connections.js';
import { nameFailure } from './redis-failure.js';
import { Pause } from './spacing.js';

/** Networks the overview shows; it says how many more there are. */
const MAX_SHOWN = 100;

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
    private readonly connections: SharedConnections,
    private readonly intervalMs = 2000,
  ) {
    this.state = {
      server: connections.where,
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

  /** One poll: the networks this user may read, with their counts. */
  async read(): Promise<OverviewState> {
    const { networks } = await readNetworksOn(await this.connections.get('quick'));
    return {
      server: this.connections.where,
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
            message: `Cannot list the networks on ${this.connections.where}: ${nameFailure(error)} (retrying)`,
          },
        };
      }
      for (const listener of this.#listeners) listener();
      await this.#pause.for(this.intervalMs);
    }
    this.#running = false;
  }
}
