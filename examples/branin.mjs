// Decentralized random search on the Branin function. Every worker proposes a point near the
// best result any worker has found, evaluates it, and records it; the manager only watches.
// Run: npm run build && node examples/branin.mjs   (REDIS_URL defaults to redis://127.0.0.1:6379)
import { rsh } from 'rushnet';

const rush = await rsh({ config: process.env.REDIS_URL });
const budget = Number(process.env.BUDGET ?? 400);

await rush.startLocalWorkers(
  async (rush, budget) => {
    const branin = (x1, x2) =>
      (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 +
      10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
      10;
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    let best;
    while (!rush.terminated && (await rush.nFinishedTasks()) < budget) {
      // Learn from every evaluation in the network, not only this worker's.
      for (const row of await rush.fetchNewTasks()) if (!best || row.y < best.y) best = row;
      const explore = !best || Math.random() < 0.3;
      const x1 = explore ? -5 + 15 * Math.random() : clamp(best.x1 + (Math.random() - 0.5), -5, 10);
      const x2 = explore ? 15 * Math.random() : clamp(best.x2 + (Math.random() - 0.5), 0, 15);
      const [key] = await rush.pushRunningTasks([{ x1, x2 }]);
      await rush.finishTasks([key], [{ y: branin(x1, x2) }]);
    }
  },
  { nWorkers: 2, args: [budget] },
);

let best;
let finished = 0;
while (finished < budget) {
  for (const row of await rush.fetchNewTasks({ timeout: 1 })) {
    finished++;
    if (!best || row.y < best.y) {
      best = row;
      console.log(
        `${finished} evaluations: best y = ${best.y.toFixed(5)} at x1 = ${best.x1.toFixed(3)}, x2 = ${best.x2.toFixed(3)}`,
      );
    }
  }
  if ((await rush.nRunningWorkers()) === 0 && (await rush.nTasks()) > 0) break;
}
console.log(
  `done: ${await rush.nFinishedTasks()} evaluations by ${await rush.nWorkers()} worker(s); the minimum is 0.397887`,
);
await rush.reset();
await rush.close();
