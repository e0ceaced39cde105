// A flaky task that succeeds on its second try: the first call of each task "hits a flaky
// network" and throws; pushed with maxRetries, the task goes back to the queue (after a short
// backoff), runs again and finishes. Its row tells the story: tries, timestamps, and the
// condition of the failed try in `condition.history`.
// Run: npm run build && REDIS_URL=redis://127.0.0.1:6379 node examples/flaky.mjs
import { rsh } from 'rushnet';

const rush = await rsh({ config: process.env.REDIS_URL });

const ids = await rush.startLocalWorkers(
  async (rush) => {
    await rush.processTasks(
      async (task) => {
        // `tries` counts the runs started: 1 on the first.
        if (task.tries === 1) throw new Error(`connection reset while evaluating x = ${task.xs.x}`);
        return { y: task.xs.x ** 2 };
      },
      { fields: ['xs', 'tries'] },
    );
  },
  { nWorkers: 1 },
);
await rush.waitForWorkers({ workerIds: ids, timeout: 60 });

const keys = await rush.pushTasks([{ x: 3 }], {
  maxRetries: 2,
  retryDelay: { initial: 0.5, factor: 2 },
});
await rush.waitForTasks(keys, { timeout: 60 });

const [row] = await rush.fetchFinishedTasks();
const [failedTry] = row.condition.history;
console.log(`y = ${row.y} after ${row.tries} tries`);
console.log(`the first try failed: ${failedTry.name}: ${failedTry.message}`);
console.log(`created → last start: ${row.started_at - row.created_at} ms (the backoff was 500 ms)`);
console.log(`last start → finish: ${row.finished_at - row.started_at} ms`);

await rush.reset(); // stops the worker and removes the network's keys
await rush.close();
if (row.y !== 9 || row.tries !== 2) {
  console.error('unexpected result');
  process.exit(1);
}
