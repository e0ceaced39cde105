/**
 * Case 9: Redis memory per finished task (`INFO memory` used_memory before and after `n`
 * tasks with `params` parameters went through the queue), for rushnet, for BullMQ's completed
 * jobs, and for the same tasks stored once: one hash per task holding the same encoded xs and
 * ys under a key as long as rushnet's. Each side warms up first (scripts loaded, keys made).
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RushWorker } from '../../dist/index.js';
import { RushKeys } from '../../dist/redis/keys.js';
import { SCRIPT_SOURCES } from '../../dist/redis/scripts/index.js';
import { until } from '../stats.js';
import { connectionOf, inputOf, pushChunks } from './common.js';

export interface RedisMemory {
  /** Bytes per finished task. */
  rushnet: number;
  storedOnce: number;
  bullmq?: number;
  /** Where rushnet's bytes are (MEMORY USAGE, per task): the hash, the records log, the two key lists. */
  rushnetParts: { hash: number; records: number; lists: number; hashEncoding: string };
}

const WARM_UP = 100;

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** A name for rushnet's network and BullMQ's queue alike (the same length): `mem-` and 8 hex digits. */
const shortName = () => `mem-${randomBytes(4).toString('hex')}`;

export async function redisMemory(
  url: string,
  n: number,
  params: number,
  withBullmq: boolean,
): Promise<RedisMemory> {
  const client = new Redis(url);
  try {
    const { rushnet, values, parts } = await rushnetMemory(client, url, n, params);
    const storedOnce = await storedOnceMemory(client, values);
    const bullmq = withBullmq ? await bullmqMemory(client, url, n, params) : undefined;
    return { rushnet, storedOnce, bullmq, rushnetParts: parts };
  } finally {
    client.disconnect();
  }
}

async function rushnetMemory(client: Redis, url: string, n: number, params: number) {
  const networkId = shortName();
  const worker = await RushWorker.create({ networkId, config: url });
  const run = (count: number) =>
    worker.processTasks(async (task) => ({ y: task.xs.x0 as number }), {
      concurrency: 50,
      maxTasks: count,
    });
  try {
    await pushChunks(worker, WARM_UP, params);
    await run(WARM_UP);
    const before = await usedMemory(client);
    await pushChunks(worker, n, params);
    await run(n);
    const after = await usedMemory(client);
    // The tasks' keys and encoded values, for the stored-once copy; and where the bytes are.
    const k = new RushKeys(networkId);
    const keys = (await client.lrange(k.finished, WARM_UP, -1)) as string[];
    const values: [string, Buffer, Buffer][] = [];
    // Read as rushnet reads them (a finished task's values are in its record only).
    const readHashes = SCRIPT_SOURCES.get('read_hashes')!;
    for (let from = 0; from < keys.length; from += 1000) {
      const chunk = keys.slice(from, from + 1000);
      const reply = (await client.callBuffer(
        'EVAL',
        readHashes,
        2,
        k.tasks,
        k.finishedRecords,
        k.taskPrefix,
        2,
        'xs',
        'ys',
        ...chunk,
      )) as Buffer[];
      for (const [i, key] of chunk.entries())
        values.push([k.task(key), reply[3 * i + 1]!, reply[3 * i + 2]!]);
    }
    const usage = async (key: string) => Number(await client.memory('USAGE', key, 'SAMPLES', 0));
    const sample = keys.slice(0, 200);
    let hash = 0;
    for (const key of sample) hash += await usage(k.task(key));
    const total = n + WARM_UP;
    const parts = {
      hash: hash / sample.length,
      records: (await usage(k.finishedRecords)) / total,
      lists: ((await usage(k.tasks)) + (await usage(k.finished))) / total,
      hashEncoding: String(await client.object('ENCODING', k.task(keys[0]!))),
    };
    return { rushnet: (after - before) / n, values, parts };
  } finally {
    await worker.reset();
    await worker.close();
  }
}

/** The same values, once: HSET <a key as long as rushnet's> xs <xs> ys <ys>. */
async function storedOnceMemory(client: Redis, values: [string, Buffer, Buffer][]) {
  const other = shortName();
  const keyOf = (key: string) => key.replace(/\{mem-[0-9a-f]{8}\}/, `{${other}}`);
  const before = await usedMemory(client);
  for (let from = 0; from < values.length; from += 1000) {
    const pipeline = client.pipeline();
    for (const [key, xs, ys] of values.slice(from, from + 1000))
      pipeline.hset(keyOf(key), 'xs', xs, 'ys', ys);
    await pipeline.exec();
  }
  const after = await usedMemory(client);
  for (let from = 0; from < values.length; from += 1000)
    await client.unlink(...values.slice(from, from + 1000).map(([key]) => keyOf(key)));
  return (after - before) / values.length;
}

async function bullmqMemory(client: Redis, url: string, n: number, params: number) {
  const connection = connectionOf(url);
  const name = shortName();
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, async (job) => ({ y: job.data.x0 }), {
    connection,
    concurrency: 50,
  });
  const add = async (from: number, count: number) => {
    for (let i = 0; i < count; i += 1000) {
      const size = Math.min(1000, count - i);
      await queue.addBulk(
        Array.from({ length: size }, (_, j) => ({
          name: 'task',
          data: inputOf(from + i + j, params),
        })),
      );
    }
  };
  try {
    await add(0, WARM_UP);
    await until(async () => (await queue.getCompletedCount()) >= WARM_UP, 60_000, 20);
    const before = await usedMemory(client);
    await add(WARM_UP, n);
    await until(async () => (await queue.getCompletedCount()) >= WARM_UP + n, 600_000, 100);
    await worker.close();
    const after = await usedMemory(client);
    return (after - before) / n;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}
