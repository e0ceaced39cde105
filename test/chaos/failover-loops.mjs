// Worker loops of the failover scenarios: the queue pattern and the decentralized pattern, each
// appending every state change it saw acknowledged (op, keys, time) to a file of its own, so the
// test can compare what the clients were told with what survived the failover. With retries on,
// the queue loop also fails a share of its tries (a task with retries left goes back to the queue).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends `{ op, keys, at }` lines to `<dir>/<workerId>.jsonl`, right after each reply. */
function acknowledgments(rush, dir) {
  const file = join(dir, `${rush.workerId}.jsonl`);
  return (op, keys) => {
    if (keys.length > 0) appendFileSync(file, `${JSON.stringify({ op, keys, at: Date.now() })}\n`);
  };
}

/**
 * Pops tasks and finishes them with y = 2x until asked to terminate; a `failRate` share of tries
 * is failed instead (`failTasks`: back to the queue while retries are left). A finish or failure
 * that moved nothing is logged as discarded.
 */
export async function queue(rush, dir, maxDelayMs = 10, failRate = 0) {
  const ack = acknowledgments(rush, dir);
  while (!rush.terminated) {
    const task = await rush.popTask({ timeout: 0.2 });
    if (!task) continue;
    ack('pop', [task.key]);
    await sleep(Math.random() * maxDelayMs);
    if (Math.random() < failRate) {
      const moved = await rush.failTasks([task.key], { conditions: [{ message: 'flaky' }] });
      if (moved.length === 0) ack('discarded', [task.key]);
      continue;
    }
    const moved = await rush.finishTasks([task.key], [{ y: task.xs.x * 2 }]);
    ack('finish', moved);
    if (moved.length === 0) ack('discarded', [task.key]);
  }
}

/** Creates its own running tasks and finishes them until asked to terminate. */
export async function decentralized(rush, dir, maxDelayMs = 10) {
  const ack = acknowledgments(rush, dir);
  for (let i = 0; !rush.terminated; i++) {
    const [key] = await rush.pushRunningTasks([{ x: i }]);
    ack('create', [key]);
    await sleep(Math.random() * maxDelayMs);
    const moved = await rush.finishTasks([key], [{ y: i }]);
    ack('finish', moved);
    if (moved.length === 0) ack('discarded', [key]);
  }
}
