// Decentralized random search on the Branin function. Every worker proposes a point near the
// best result any worker has found, evaluates it, and records it; the manager only watches.
// Run: npx tsx examples/branin.ts   (REDIS_URL defaults to redis://127.0.0.1:6379; BUDGET=400)
import { type RushWorker, rsh } from 'rushnet';

type XS = { x1: number; x2: number };
type YS = { y: number };
type Point = XS & YS;

const rush = await rsh<XS, YS>({ config: process.env.REDIS_URL });
const budget = Number(process.env.BUDGET ?? 400);

// The loop is sent to the workers as source text: everything it uses is defined inside it.
await rush.startLocalWorkers(
  async (worker: RushWorker<XS, YS>, budget) => {
    const branin = (x1: number, x2: number) =>
      (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 +
      10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
      10;
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    let best: { x1: number; x2: number; y: number } | undefined;
    while (!worker.terminated && (await worker.nFinishedTasks()) < budget) {
      // Learn from every evaluation in the network, not only this worker's.
      for (const { x1, x2, y } of await worker.fetchNewTasks()) {
        if (x1 === undefined || x2 === undefined || y === undefined) continue;
        if (!best || y < best.y) best = { x1, x2, y };
      }
      const near = Math.random() < 0.7 ? best : undefined; // explore 30 % of the time
      const x1 = near ? clamp(near.x1 + (Math.random() - 0.5), -5, 10) : -5 + 15 * Math.random();
      const x2 = near ? clamp(near.x2 + (Math.random() - 0.5), 0, 15) : 15 * Math.random();
      const [key] = await worker.pushRunningTasks([{ x1, x2 }]);
      await worker.finishTasks([key!], [{ y: branin(x1, x2) }]);
    }
  },
  { nWorkers: 2, args: [budget] },
);

let best: Point | undefined;
let finished = 0;
while (finished < budget) {
  for (const { x1, x2, y } of await rush.fetchNewTasks({ timeout: 1 })) {
    finished++;
    if (x1 === undefined || x2 === undefined || y === undefined) continue;
    if (!best || y < best.y) {
      best = { x1, x2, y };
      console.log(
        `${finished} evaluations: best y = ${y.toFixed(5)} at x1 = ${x1.toFixed(3)}, x2 = ${x2.toFixed(3)}`,
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
