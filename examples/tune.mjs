// @ts-check
// Tuning a small model with rushnet/optimize: polynomial ridge regression on a noisy curve, its
// degree, penalty and feature scaling chosen by 5-fold cross-validation. Two local worker
// processes run ADBO together: they share the budget, the initial design and every result.
// Run: npm run build && REDIS_URL=redis://127.0.0.1:6379 node examples/tune.mjs
import { rsh } from 'rushnet';
import { bestTasks } from 'rushnet/optimize';

const rush = await rsh({ config: process.env.REDIS_URL });
const evaluations = Number(process.env.BUDGET ?? 40);

/**
 * The worker loop: self-contained (it travels to the workers as source text), so the model and
 * the data live inside it.
 * @param {import('rushnet').RushWorker} worker
 * @param {number} evaluations
 */
async function tuneLoop(worker, evaluations) {
  const { adbo, choice, float, int, optimize, space } = await import('rushnet/optimize');
  // The data: 200 noisy points of a curve (the same on every worker: a fixed generator).
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const xs = Array.from({ length: 200 }, () => 4 * random() - 2);
  const ys = xs.map((x) => Math.sin(3 * x) + 0.3 * x * x + 0.2 * (random() - 0.5));

  /** Ridge regression on polynomial features: solves (XᵀX + λI)·w = Xᵀy. */
  const fitRidge = (
    /** @type {number[]} */ x,
    /** @type {number[]} */ y,
    /** @type {number} */ degree,
    /** @type {number} */ lambda,
  ) => {
    const p = degree + 1;
    const a = Array.from({ length: p }, () => new Array(p + 1).fill(0));
    for (let i = 0; i < x.length; i++) {
      const f = Array.from({ length: p }, (_, k) => x[i] ** k);
      for (let r = 0; r < p; r++) {
        for (let c = 0; c < p; c++) a[r][c] += f[r] * f[c];
        a[r][p] += f[r] * y[i];
      }
    }
    for (let r = 1; r < p; r++) a[r][r] += lambda;
    for (let c = 0; c < p; c++) {
      let pivot = c;
      for (let r = c + 1; r < p; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
      [a[c], a[pivot]] = [a[pivot], a[c]];
      if (Math.abs(a[c][c]) < 1e-300) throw new Error(`singular system at degree ${degree}`);
      for (let r = 0; r < p; r++) {
        if (r === c) continue;
        const m = a[r][c] / a[c][c];
        for (let k = c; k <= p; k++) a[r][k] -= m * a[c][k];
      }
    }
    const w = a.map((row, r) => row[p] / row[r]);
    return (/** @type {number} */ v) => w.reduce((s, wk, k) => s + wk * v ** k, 0);
  };

  await optimize(worker, {
    space: space({
      degree: int(1, 12),
      lambda: float(1e-8, 10, { log: true }),
      scaling: choice(['raw', 'unit']),
    }),
    optimizer: adbo(),
    budget: { evaluations },
    initialDesign: 8,
    // xs is typed from the space: { degree: number; lambda: number; scaling: 'raw' | 'unit' }.
    objective: async ({ degree, lambda, scaling }) => {
      const scale = scaling === 'unit' ? 0.5 : 1; // 'unit' maps [-2, 2] onto [-1, 1]
      let squared = 0;
      for (let fold = 0; fold < 5; fold++) {
        const train = xs.map((_, i) => i).filter((i) => i % 5 !== fold);
        const test = xs.map((_, i) => i).filter((i) => i % 5 === fold);
        const model = fitRidge(
          train.map((i) => xs[i] * scale),
          train.map((i) => ys[i]),
          degree,
          lambda,
        );
        for (const i of test) squared += (model(xs[i] * scale) - ys[i]) ** 2;
      }
      const rmse = Math.sqrt(squared / xs.length);
      worker.logger.info({ degree, lambda, scaling, rmse }, 'cross-validated');
      return { y: rmse, folds: 5 };
    },
  });
}

await rush.startLocalWorkers(tuneLoop, { nWorkers: 2, args: [evaluations] });
// The manager only watches: it waits for both workers to finish their loops.
while ((await rush.nTerminatedWorkers()) < 2) await new Promise((r) => setTimeout(r, 200));

const [best] = await bestTasks(rush);
console.log(
  `${await rush.nFinishedTasks()} evaluations; best cross-validated RMSE ${Number(best?.y).toFixed(4)} ` +
    `with degree ${best?.degree}, lambda ${Number(best?.lambda).toExponential(2)}, scaling ${best?.scaling}`,
);
await rush.reset();
await rush.close();
