/**
 * A private redis-server: a free port on 127.0.0.1, a temporary directory, no persistence
 * unless asked. The demo uses it when no Redis is configured; the tests use it for isolation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { RushConfigError } from '../errors.js';

export interface EmbeddedRedis {
  port: number;
  url: string;
  pid: number;
  dir: string;
  /** Resolves when the server process has exited, for whatever reason (a stop included). */
  exited: Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'install it with `sudo apt-get install redis-server` (Debian/Ubuntu), `sudo dnf install redis` (Fedora) ' +
  'or `brew install redis` (macOS)';

/** The path of `redis-server` on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Whether something answers PING (or NOAUTH: a server with a password) on the port. */
export function answersPing(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts a private redis-server. `extraArgs` are passed on (e.g. `['--requirepass', 'x']`);
 * `port` and `dir` ask for a given port and data directory (e.g. to restart a server where it
 * was; a given directory is kept when the server stops).
 * @throws RushConfigError when redis-server is not installed or does not start.
 */
export async function startEmbeddedRedis(
  extraArgs: string[] = [],
  {
    port: fixedPort,
    dir: givenDir,
    detached = false,
  }: { port?: number; dir?: string; detached?: boolean } = {},
): Promise<EmbeddedRedis> {
  const program = findRedisServer();
  if (!program) throw new RushConfigError(`redis-server is not installed: ${REDIS_INSTALL_HINT}`);
  // A directory it was given outlives the server (to start it again on the same data).
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'rushnet-redis-'));
  const owned = givenDir === undefined ? dir : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn(
      program,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extraArgs,
      ],
      // detached: its own process group, out of reach of a terminal's Ctrl-C.
      { stdio: 'ignore', detached },
    );
    let exited = false;
    const ended = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exited = true;
        resolve();
      });
      child.once('error', () => {
        exited = true;
        resolve();
      });
    });
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline) {
      if (await answersPing(port)) {
        return {
          port,
          url: `redis://127.0.0.1:${port}`,
          pid: child.pid!,
          dir,
          exited: ended,
          stop: () => stopServer(child, owned),
        };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await stopServer(child, undefined);
  }
  if (owned) rmSync(owned, { recursive: true, force: true });
  throw new RushConfigError('redis-server did not start');
}

async function stopServer(child: ChildProcess, dir: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
