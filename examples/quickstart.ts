// A decentralized loop in one process: a worker proposes x, evaluates it, records the
// result, and learns from every finished evaluation in the network.
// Run: npx tsx examples/quickstart.ts   (REDIS_URL defaults to redis://127.0.0.1:6379)
import { RushWorker, rsh } from 'rushnet';

type XS = { x: number };
type YS = { y: number };

const config = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const rush = await rsh<XS, YS>({ config }); // the manager of a new network
const worker = await RushWorker.create<XS, YS>({ networkId: rush.networkId, config });

let best = { x: 0, y: Number.POSITIVE_INFINITY };
for (let i = 0; i < 50; i++) {
  const x = best.x + (Math.random() - 0.5) * 4; // propose near the best so far
  const [key] = await worker.pushRunningTasks([{ x }]);
  await worker.finishTasks([key!], [{ y: (x - 1.5) ** 2 }]); // evaluate and record
  for (const { x, y } of await worker.fetchNewTasks()) {
    // Row properties are optional (rows of other tasks may lack them): check before use.
    if (x !== undefined && y !== undefined && y < best.y) best = { x, y }; // learn
  }
}

const results = await rush.fetchFinishedTasks();
console.log(
  `${results.length} tasks finished; best x = ${best.x.toFixed(3)}, y = ${best.y.toFixed(5)}`,
);
await rush.reset(); // remove the network's keys from Redis
await worker.close();
await rush.close();
