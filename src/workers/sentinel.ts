/**
 * Starts and stops the sentinel thread of a worker (see sentinel-thread.ts) and exposes what
 * it learns through shared memory, so reading it costs nothing.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RedisOptions } from 'ioredis';

export interface SentinelData {
  flags: SharedArrayBuffer;
  clientOptions: RedisOptions;
  terminateAllKey: string;
  terminateKey: string;
  killKey: string;
  heartbeat: { key: string; period: number; expire: number } | undefined;
  /** End the process when its parent is no longer this pid. */
  supervisorPid: number | undefined;
}

const TERMINATE = 0;
const STOPPED = 1;

/** Running from TypeScript sources (tests, tsx): the thread needs tsx to load its .ts file. */
const fromSources = import.meta.url.endsWith('.ts');

/** Thread code that registers tsx in the thread, then loads the TypeScript entry. */
function tsxBootstrap(entry: URL): string {
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

export class Sentinel {
  readonly #flags = new Int32Array(new SharedArrayBuffer(8));
  readonly #thread: Worker;

  /** @param onError told when the thread fails (heartbeats and flags then stop) */
  constructor(options: Omit<SentinelData, 'flags'>, onError: (error: Error) => void) {
    // Functions cannot cross to a thread; the thread sets its own retry behaviour.
    const { retryStrategy: _, ...clientOptions } = options.clientOptions;
    const workerData: SentinelData = { ...options, clientOptions, flags: this.#flags.buffer };
    this.#thread = fromSources
      ? new Worker(tsxBootstrap(new URL('./sentinel-thread.ts', import.meta.url)), {
          eval: true,
          workerData,
        })
      : new Worker(new URL('./sentinel-thread.js', import.meta.url), { workerData });
    this.#thread.unref();
    this.#thread.on('error', onError);
  }

  /** Whether a terminate request was seen. */
  get terminateRequested(): boolean {
    return Atomics.load(this.#flags, TERMINATE) === 1;
  }

  async stop(): Promise<void> {
    Atomics.store(this.#flags, STOPPED, 1);
    this.#thread.postMessage('stop');
    await this.#thread.terminate();
  }
}
