/**
 * The watch: a thread inside each worker process, with its own Redis connection, that keeps
 * working while the worker's loop blocks the event loop with CPU work. It
 * - refreshes the heartbeat key (when the worker has one),
 * - watches the terminate flags and raises `flags[TERMINATE]` for the main thread (also when
 *   the worker is no longer among the running workers: it was declared lost or killed),
 * - ends the process when a kill request arrives (heartbeat workers only),
 * - ends the process when its supervising parent is gone.
 * Transient Redis errors are retried forever (a heartbeat never kills its own worker), and
 * reported: the first error of a streak and the recovery go to the main thread, which logs them
 * to the worker's log. An error that retrying cannot cure (a missing permission, a key of the
 * wrong type) is reported as fatal: the main thread then fails the worker clearly.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
// Only what building a client needs: the thread starts before the first heartbeat expires.
import { createClient } from '../redis/client-options.js';
import { normalizeConfig } from '../redis/config-checks.js';
import { luaSource } from '../redis/scripts/sources.js';
import { isPermanentRedisError, type ThreadMessage, type WatchData } from './watch.js';

const data = workerData as WatchData;
const flags = new Int32Array(data.flags);
const TERMINATE = 0;
const STOPPED = 1;
const CHECK_MS = 200;
const HEARTBEAT_LUA = luaSource('heartbeat');

// Its own client of the same kind as the worker's (standalone, Cluster or Sentinel); it waits
// through reconnects and failovers like every rushnet client.
const client = createClient(normalizeConfig(data.config), `rushnet:watch:${data.workerId}`);
client.on('error', () => {
  // Reconnects on its own; the next tick tries again.
});

let lastBeat = 0;
let running = true;

function endProcess(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

async function tick(): Promise<void> {
  if (data.supervisorPid !== undefined && process.ppid !== data.supervisorPid) endProcess();
  const now = Date.now();
  if (data.heartbeat && now - lastBeat >= data.heartbeat.period * 1000) {
    // Only while the worker is registered as running (see heartbeat.lua).
    const refreshed = await client.eval(
      HEARTBEAT_LUA,
      2,
      data.runningWorkersKey,
      data.heartbeat.key,
      data.workerId,
      data.heartbeat.expire,
    );
    if (lastBeat === 0) report({ kind: 'beating' }); // the main thread stops refreshing
    lastBeat = now;
    if (refreshed === 0) raiseTerminate();
  }
  const replies = await client
    .multi()
    .mget(data.terminateAllKey, data.terminateKey, data.killKey)
    .sismember(data.runningWorkersKey, data.workerId)
    .exec();
  if (!replies) throw new Error('the flag read was aborted');
  for (const [error] of replies) if (error) throw error;
  const [all, mine, kill] = replies[0]![1] as (string | null)[];
  // A worker no longer among the running ones was declared lost or killed: it stops too.
  const dropped = replies[1]![1] === 0;
  if (kill != null && data.heartbeat) {
    // Acknowledge the kill (a reset waits for it), then end at once.
    await client.del(data.killKey);
    // The process's last word (like `rushnet worker`'s other lines): nothing runs after SIGKILL.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: an id is shown, never interpreted
    const id = data.workerId.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
    try {
      writeSync(
        2,
        `rushnet worker: stopped: worker ${id}, killed (a kill request reached its heartbeat)\n`,
      );
    } catch {
      // no stderr to tell
    }
    endProcess();
  }
  if (all != null || mine != null || dropped) raiseTerminate();
}

/** Tells the main thread to stop (it reads the flag; no message needed). */
function raiseTerminate(): void {
  Atomics.store(flags, TERMINATE, 1);
}

function report(message: ThreadMessage): void {
  parentPort?.postMessage(message);
}

async function loop(): Promise<void> {
  if (data.startDelayMs) await new Promise((r) => setTimeout(r, data.startDelayMs));
  let failing = false;
  while (running && Atomics.load(flags, STOPPED) === 0) {
    try {
      await tick();
      if (failing) report({ kind: 'recovered' });
      failing = false;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isPermanentRedisError(error)) {
        report({ kind: 'fatal', message });
        break;
      }
      if (!failing) report({ kind: 'error', message });
      failing = true;
    }
    await new Promise((r) => setTimeout(r, CHECK_MS));
  }
  client.disconnect();
}

parentPort?.on('message', (message) => {
  if (message === 'stop') running = false;
});

void loop();
