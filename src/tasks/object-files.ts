/**
 * The files behind large objects (docs/concepts.md and SECURITY.md): where a network's files go, reading a file a
 * reference names (only a regular file inside `largeObjectsPath`, with a size cap, never a
 * blocking read), and removing a network's files on reset. A reference comes from Redis, so
 * whoever can write there chooses the path: nothing here trusts it.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { rushConfig } from '../plan.js';

/** The largest file a reference may name: what one Node.js buffer can hold for decoding. */
export const MAX_LARGE_OBJECT_BYTES = 2 ** 31 - 1;

/** The subdirectory of a network's directory that holds its stored worker configurations. */
const CONFIG_DIRECTORY = 'config';

/** The directory references must resolve into: the plan's `largeObjectsPath` (a worker adopts its manager's). */
export function largeObjectsRoot(): string | undefined {
  return rushConfig().largeObjectsPath;
}

/**
 * A network's directory under `root`: one path component whatever the id holds (`/`, `..`),
 * short enough for any file system.
 */
export function networkDirectory(root: string, networkId: string): string {
  const name = `network-${encodeURIComponent(networkId)}`;
  return join(
    resolve(root),
    name.length <= 200 ? name : `network-${createHash('sha256').update(networkId).digest('hex')}`,
  );
}

/** The directory a new large object of a network goes to (created when missing). */
export function objectDirectory(root: string, networkId: string, kind: 'task' | 'config'): string {
  const base = networkDirectory(root, networkId);
  const dir = kind === 'config' ? join(base, CONFIG_DIRECTORY) : base;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Reads the file a reference names. Untrusted references (from task data) must name a regular
 * file inside {@link largeObjectsRoot} after resolving symlinks; `trusted` ones (from a signed
 * worker configuration) only need to name a regular file. FIFOs, devices and directories are
 * refused without blocking, and so is a file over {@link MAX_LARGE_OBJECT_BYTES}.
 * @throws Error whose message says in a few words why the file cannot be used
 */
export function readLargeObjectFile(path: unknown, { trusted }: { trusted: boolean }): Buffer {
  if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) {
    throw new Error('is not an absolute file path');
  }
  let target = path;
  if (!trusted) {
    const root = largeObjectsRoot();
    if (root === undefined) {
      throw new Error(
        'cannot be read: this process has no largeObjectsPath (set it with rushPlan())',
      );
    }
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch (error) {
      throw new Error(`cannot be read: largeObjectsPath ${describe(error)}`);
    }
    try {
      target = realpathSync(path);
    } catch (error) {
      throw new Error(describe(error));
    }
    if (!target.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) {
      throw new Error(`is outside largeObjectsPath (${root})`);
    }
  }
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO never waits for a writer; O_NOFOLLOW: no last-moment symlink.
    fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    throw new Error(describe(error));
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error('is not a regular file');
    if (stat.size > MAX_LARGE_OBJECT_BYTES) {
      throw new Error(`is ${stat.size} bytes, over the limit of ${MAX_LARGE_OBJECT_BYTES}`);
    }
    const buffer = Buffer.allocUnsafe(stat.size);
    let at = 0;
    while (at < buffer.length) {
      const n = readSync(fd, buffer, at, buffer.length - at, at);
      if (n === 0) break; // the file shrank while being read
      at += n;
    }
    return at === buffer.length ? buffer : buffer.subarray(0, at);
  } catch (error) {
    throw error instanceof Error && !('code' in error) ? error : new Error(describe(error));
  } finally {
    closeSync(fd);
  }
}

function describe(error: unknown): string {
  switch ((error as { code?: string }).code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable (permission denied)';
    case 'ELOOP':
      return 'is a symbolic link';
    case 'ENOTDIR':
      return 'does not exist (a part of its path is not a directory)';
    case 'EISDIR':
      return 'is a directory';
    default:
      return `cannot be read (${(error as Error).message})`;
  }
}

/**
 * Removes a network's large objects: all of them (`workers`: a full reset), or those of its
 * tasks only (its stored worker configurations stay with the workers).
 */
export function removeNetworkObjects(
  root: string,
  networkId: string,
  { workers }: { workers: boolean },
): void {
  const dir = networkDirectory(root, networkId);
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch {
    return; // nothing stored
  }
  // rmSync never follows symbolic links: a link planted here is removed, not its target.
  if (workers || !stat.isDirectory()) {
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  for (const name of readdirSync(dir)) {
    if (name !== CONFIG_DIRECTORY) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
