// The worker loop of the utilization benchmark, run in worker processes (`rushnet worker --count`
// through bench/scale's GroupLauncher): it waits until all `workers` are registered, then either
// runs ADBO with the network's time budget (`mode: 'adbo'`) or only evaluates queued points
// (`mode: 'evaluate'`, for ACBO and CL, until terminated). An evaluation sleeps a log-normal time
// (sdlog 0.5, mean `meanMs`) and returns Branin's value with the measured interval (epoch ms).
import { adbo, float, optimize, Rng, space } from '../../dist/optimize/index.js';

const SDLOG = 0.5;
const now = () => performance.timeOrigin + performance.now();
const branin = ({ x1, x2 }) =>
  (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 +
  10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
  10;

export default async function benchLoop(rush, o) {
  const rng = new Rng(`${o.seed}:${rush.workerId}`);
  const evaluate = async (xs) => {
    const t0 = now();
    const ms = o.meanMs * Math.exp(SDLOG * rng.normal() - SDLOG ** 2 / 2);
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { y: branin(xs), t0, t1: now() };
  };
  while ((await rush.nRunningWorkers()) < o.workers && !rush.terminated) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (o.mode === 'adbo') {
    const times = [];
    const base = adbo();
    const optimizer = {
      ...base,
      start(context) {
        const instance = base.start(context);
        return {
          observe: (e) => instance.observe(e),
          async propose() {
            const t = performance.now();
            const c = process.cpuUsage();
            const p = await instance.propose();
            const cpu = process.cpuUsage(c);
            times.push([performance.now() - t, (cpu.user + cpu.system) / 1000]);
            return {
              ...p,
              extra: {
                ...p.extra,
                proposal_ms: performance.now() - t,
                proposal_cpu_ms: (cpu.user + cpu.system) / 1000,
              },
            };
          },
        };
      },
    };
    await optimize(rush, {
      space: space({ x1: float(-5, 10), x2: float(0, 15) }),
      optimizer,
      budget: { seconds: o.seconds },
      initialDesign: o.design,
      seed: o.seed,
      objective: evaluate,
    });
  } else {
    await rush.processTasks((task) => evaluate(task.xs), { timeout: 0.2 });
  }
}
