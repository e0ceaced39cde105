/**
 * Building blocks of the test topologies: redis-server processes on free loopback ports in a
 * temporary directory, stopped by pid; admin connections; waiting on conditions with deadlines.
 * Nothing here touches a server it did not start.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { answersPing, findRedisServer, freePort } from '../../../src/redis/embedded-redis.js';

export { freePort };

/** One redis-server (or sentinel) process. */
export interface ServerProcess {
  port: number;
  pid: number;
  /** Whether the process has exited. */
  readonly exited: boolean;
  /** Sends a signal (SIGKILL for a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Waits until `check` returns a truthy value (which it returns), or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  { timeoutMs = 20_000, intervalMs = 50 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A fresh temporary directory for one topology. */
export function topologyDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `rushnet-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Args every data node gets: loopback, no persistence, fast first sync, its own log. */
export function baseArgs(dir: string, name: string): string[] {
  return [
    ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...['--repl-diskless-sync-delay', '0', '--dir', dir, '--logfile', join(dir, `${name}.log`)],
  ];
}

function redisServer(): string {
  const program = findRedisServer();
  if (!program) throw new Error('redis-server is not installed (apt-get install redis-server)');
  return program;
}

/**
 * Starts `redis-server <args>` and waits until `ready(port)` (default: a plain PING answers).
 * `args(port)` builds the arguments for a port; a port taken in the meantime gets another try.
 */
export async function startProcess(
  args: (port: number) => string[] | Promise<string[]>,
  ready: (port: number) => Promise<boolean> = (port) => answersPing(port),
  { port: fixedPort }: { port?: number } = {},
): Promise<ServerProcess> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(redisServer(), await args(port), { stdio: 'ignore' });
    const server = track(child, port);
    const deadline = Date.now() + 10_000;
    while (!server.exited && Date.now() < deadline) {
      if (await ready(port).catch(() => false)) return server;
      await new Promise((r) => setTimeout(r, 25));
    }
    await server.kill('SIGKILL');
  }
  throw new Error('redis-server did not start');
}

/** Servers still running: killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function track(child: ChildProcess, port: number): ServerProcess {
  let exited = false;
  running.add(child);
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      running.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  return {
    port,
    pid: child.pid ?? -1,
    get exited() {
      return exited;
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (exited) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Stops every process (SIGTERM, SIGKILL after 5 s), then runs `after`. */
export async function stopAll(servers: ServerProcess[], after?: () => void): Promise<void> {
  await Promise.all(servers.map((s) => s.kill('SIGTERM')));
  after?.();
}

/** A short-lived admin connection to one node: no retries, no offline queue. */
export function admin(port: number, tls?: ConnectionOptions): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  client.on('error', () => {
    // reported through the command that failed
  });
  return client;
}

/** Runs one command on a node over a fresh admin connection. */
export async function command(
  port: number,
  args: (string | number)[],
  tls?: ConnectionOptions,
): Promise<unknown> {
  const client = admin(port, tls);
  try {
    await client.connect();
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}

/** A section of INFO (or CLUSTER INFO) as a map. */
export function parseInfo(text: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of String(text).split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return fields;
}

/** Runs redis-cli with arguments; resolves with its stdout. */
export function redisCli(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args[0]}: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}
