/** Helpers shared by the cases: fresh network ids, task inputs, bulk populating, BullMQ's connection. */
import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'bullmq';
import type { Rush } from '../../dist/index.js';

/** A fresh network (or BullMQ queue) name. */
export const newNetwork = (): string => `bench-${randomUUID()}`;

/** An input with `params` numeric parameters. */
export function inputOf(i: number, params: number): Record<string, number> {
  const xs: Record<string, number> = {};
  for (let p = 0; p < params; p++) xs[`x${p}`] = i + p / 10;
  return xs;
}

/** Creates `n` finished tasks with `params` inputs each, in bulk. */
export async function populateFinished(rush: Rush, n: number, params: number): Promise<void> {
  const chunk = 10_000;
  for (let from = 0; from < n; from += chunk) {
    const size = Math.min(chunk, n - from);
    const xss = Array.from({ length: size }, (_, i) => inputOf(from + i, params));
    const yss = Array.from({ length: size }, (_, i) => ({ y: from + i }));
    await rush.pushFinishedTasks(xss, yss);
  }
}

/** Pushes `n` tasks `{ x: i }` (or with `params` parameters) in chunks of 1,000, as BullMQ's adds are. */
export async function pushChunks(rush: Rush, n: number, params = 0): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    const size = Math.min(1000, n - from);
    await rush.pushTasks(
      Array.from({ length: size }, (_, i) =>
        params === 0 ? { x: from + i } : inputOf(from + i, params),
      ),
    );
  }
}

/** BullMQ's connection options for a redis:// URL. */
export function connectionOf(url: string): ConnectionOptions {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), maxRetriesPerRequest: null };
}

/** Resolves when `child` prints a line starting with `ready`. */
export function ready(child: { stdout: NodeJS.ReadableStream | null }): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.startsWith('ready')) resolve();
    });
    child.stdout!.once('end', () => reject(new Error('benchmark: child ended before ready')));
  });
}
