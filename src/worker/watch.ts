/**
 * A worker's watch looks out for terminate requests (and, with a heartbeat, keeps the
 * heartbeat and obeys kill requests), so that `terminated` costs nothing to read.
 * - With a heartbeat it is a thread of its own (watch-thread.ts), which keeps working while
 *   the loop blocks the event loop, and shares what it learns through shared memory.
 * - Without one, a timer on the worker's own connection is enough, and the worker starts
 *   faster (a thread loads its own Redis client).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { missingPermission } from '../errors.js';
import { FROM_SOURCES } from '../module-paths.js';
import type { ResolvedRedisConfig } from '../redis/config.js';

export interface WatchData {
  flags: SharedArrayBuffer;
  /** The Redis config, as plain data (it crosses to the thread). */
  config: ResolvedRedisConfig;
  terminateAllKey: string;
  runningWorkersKey: string;
  workerId: string;
  terminateKey: string;
  killKey: string;
  heartbeat: { key: string; period: number; expire: number } | undefined;
  /** End the process when its parent is no longer this pid. */
  supervisorPid: number | undefined;
  /** Milliseconds the thread waits before its first tick (tests: a thread that starts late). */
  startDelayMs?: number;
}

const TERMINATE = 0;
const STOPPED = 1;

/** What a watch tells its worker: a failure streak starts or ends, or a fatal error. */
export type WatchReport =
  | { kind: 'error'; message: string }
  | { kind: 'recovered' }
  | { kind: 'fatal'; message: string };

/** What the thread tells its ThreadWatch: a report, or that it refreshed the heartbeat. */
export type ThreadMessage = WatchReport | { kind: 'beating' };

/**
 * Errors that no retry cures: a missing permission (as Redis sent it, or as the RushConfigError
 * every rushnet client makes of it), a key of the wrong type, bad credentials.
 */
export function isPermanentRedisError(error: unknown): boolean {
  if (missingPermission(error) !== undefined) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /^(NOPERM|WRONGTYPE|WRONGPASS|NOAUTH|ERR unknown command)/.test(message);
}

/** Thread code that registers tsx in the thread, then loads the TypeScript entry. */
function tsxBootstrap(entry: URL): string {
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** What a worker needs from its watch. */
export interface WorkerWatch {
  /** Whether a terminate request was seen. */
  readonly terminateRequested: boolean;
  stop(): Promise<void>;
}

/** How often the timer watch looks. */
const CHECK_MS = 200;

/** The watch of a worker without heartbeat: a timer on the worker's own connection. */
export class TimerWatch implements WorkerWatch {
  #terminate = false;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param shouldStop asks Redis whether the worker was asked to stop (or dropped)
   * @param onReport told when checks start failing, recover, or fail for good
   */
  constructor(
    shouldStop: () => Promise<boolean>,
    supervisorPid: number | undefined,
    onReport: (report: WatchReport) => void,
  ) {
    let failing = false;
    const check = async () => {
      // A supervised worker whose parent is gone ends with it.
      if (supervisorPid !== undefined && process.ppid !== supervisorPid)
        process.kill(process.pid, 'SIGKILL');
      try {
        if (await shouldStop()) this.#terminate = true;
        if (failing) onReport({ kind: 'recovered' });
        failing = false;
      } catch (error) {
        // Redis unreachable for now: report the first failure, look again at the next tick.
        const message = error instanceof Error ? error.message : String(error);
        if (isPermanentRedisError(error)) {
          onReport({ kind: 'fatal', message });
          return;
        }
        if (!failing) onReport({ kind: 'error', message });
        failing = true;
      }
      if (this.#timer) this.#timer = setTimeout(check, CHECK_MS).unref();
    };
    this.#timer = setTimeout(check, CHECK_MS).unref();
  }

  get terminateRequested(): boolean {
    return this.#terminate;
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The watch of a worker with heartbeat: a thread with its own connection. */
export class ThreadWatch implements WorkerWatch {
  readonly #flags = new Int32Array(new SharedArrayBuffer(8));
  readonly #thread: Worker;
  #bridge: NodeJS.Timeout | undefined;

  /**
   * @param onReport told when the thread's Redis calls start failing, recover, or fail for
   * good, and when the thread itself fails (heartbeats and flags then stop)
   * @param beat refreshes the heartbeat from the main thread, until the thread's first beat
   */
  constructor(
    options: Omit<WatchData, 'flags'>,
    onReport: (report: WatchReport) => void,
    beat?: () => Promise<unknown>,
  ) {
    if (beat && options.heartbeat) {
      // The heartbeat key lives `expire` seconds from registration, and a thread can take
      // longer than that to start on a loaded machine (each loads its own Redis client): until
      // its first beat, the main thread keeps the key alive. A failed refresh is retried at the
      // next period; the thread reports errors once it runs.
      const { period, expire } = options.heartbeat;
      this.#bridge = setInterval(
        () => void beat().catch(() => undefined),
        Math.min(period, expire / 2) * 1000,
      ).unref();
    }
    const workerData: WatchData = {
      ...options,
      flags: this.#flags.buffer,
      startDelayMs: testStartDelay(),
    };
    // From the TypeScript sources (tests, tsx) the thread needs tsx to load its .ts file.
    this.#thread = FROM_SOURCES
      ? new Worker(tsxBootstrap(new URL('./watch-thread.ts', import.meta.url)), {
          eval: true,
          workerData,
        })
      : new Worker(new URL('./watch-thread.js', import.meta.url), { workerData });
    this.#thread.unref();
    this.#thread.on('message', (message: ThreadMessage) => {
      if (message.kind === 'beating') this.#endBridge();
      else onReport(message);
    });
    this.#thread.on('error', (error) =>
      onReport({ kind: 'fatal', message: `the watch thread failed: ${error.message}` }),
    );
  }

  /** Whether a terminate request was seen. */
  get terminateRequested(): boolean {
    return Atomics.load(this.#flags, TERMINATE) === 1;
  }

  #endBridge(): void {
    clearInterval(this.#bridge);
    this.#bridge = undefined;
  }

  async stop(): Promise<void> {
    this.#endBridge();
    Atomics.store(this.#flags, STOPPED, 1);
    this.#thread.postMessage('stop');
    await this.#thread.terminate();
  }
}

/**
 * A test hook, read here where the thread starts and nowhere else: with
 * RUSHNET_TEST_WATCH_DELAY_MS set, the thread waits that long before its first tick, as a thread
 * on a loaded machine may (test/integration/lost-workers.test.ts: the worker must not be
 * declared lost meanwhile). Unset, it costs one environment read per worker start.
 */
function testStartDelay(): number | undefined {
  const ms = Number(process.env.RUSHNET_TEST_WATCH_DELAY_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
