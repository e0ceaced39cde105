// A central task queue: the manager pushes tasks, two local workers take and evaluate them with
// processTasks (each task costs one round trip: finishing one and taking the next go together).
// Run: npx tsx examples/queue.ts   (REDIS_URL defaults to redis://127.0.0.1:6379)
import { type RushWorker, rsh } from 'rushnet';

type XS = { x: number };
type YS = { y: number };

const rush = await rsh<XS, YS>({ config: process.env.REDIS_URL });

const ids = await rush.startLocalWorkers(
  async (worker: RushWorker<XS, YS>) => {
    // Runs until the worker is asked to terminate (reset() below kills it).
    await worker.processTasks(async (task) => ({ y: task.xs.x * task.xs.x }));
  },
  { nWorkers: 2 },
);
await rush.waitForWorkers({ workerIds: ids, timeout: 60 });

const keys = await rush.pushTasks(Array.from({ length: 100 }, (_, x) => ({ x })));
await rush.waitForTasks(keys, { timeout: 60 });

const rows = await rush.fetchFinishedTasks();
console.log(
  `${rows.length} tasks finished; sum of y = ${rows.reduce((sum, row) => sum + (row.y ?? 0), 0)}`,
);
const perWorker = new Map<string, number>();
for (const row of rows) {
  const id = row.worker_id ?? 'none';
  perWorker.set(id, (perWorker.get(id) ?? 0) + 1);
}
for (const [worker, n] of perWorker) console.log(`  worker ${worker.slice(0, 8)}: ${n} tasks`);

await rush.reset(); // stops the workers and removes the network's keys
await rush.close();
