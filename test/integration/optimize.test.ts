/**
 * rushnet/optimize against a real Redis: spaces respected, the network-wide budget shared by
 * two workers, the initial design pushed once, failing objectives, ASHA's rungs and promotions,
 * bestTasks, and ADBO against random search on Branin.
 */
import { describe, expect, it } from 'vitest';
import { RushInputError } from '../../src/index.js';
import {
  adbo,
  asha,
  bestTasks,
  choice,
  float,
  int,
  optimize,
  randomSearch,
  space,
} from '../../src/optimize/index.js';
import { manager, newNetworkId, redisUrl, waitUntil, worker } from '../helpers/network.js';

const branin = ({ x1, x2 }: { x1: number; x2: number }) =>
  (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 +
  10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
  10;
const braninSpace = () => space({ x1: float(-5, 10), x2: float(0, 15) });
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('optimize', () => {
  it('proposes only configurations inside the space, typed as declared', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const s = space({
      x: float(-1, 2),
      n: int(1, 5),
      lr: float(1e-3, 1, { log: true }),
      kind: choice(['a', 'b', 'c'] as const),
    });
    const seen: unknown[] = [];
    const best = await optimize(w, {
      space: s,
      optimizer: randomSearch(),
      budget: { evaluations: 40 },
      objective: (xs) => {
        seen.push(xs);
        const k: 'a' | 'b' | 'c' = xs.kind;
        return xs.x ** 2 + xs.n + Math.log(xs.lr) + (k === 'a' ? 0 : 1);
      },
    });
    expect(seen).toHaveLength(40);
    const rows = await w.fetchFinishedTasks();
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      expect(row.x).toBeGreaterThanOrEqual(-1);
      expect(row.x).toBeLessThanOrEqual(2);
      expect(Number.isInteger(row.n)).toBe(true);
      expect([1, 2, 3, 4, 5]).toContain(row.n);
      expect(row.lr).toBeGreaterThanOrEqual(1e-3);
      expect(row.lr).toBeLessThanOrEqual(1);
      expect(['a', 'b', 'c']).toContain(row.kind);
      expect(row.optimizer).toBe('random_search');
      expect(typeof row.y).toBe('number');
    }
    const ys = rows.map((r) => r.y as number);
    expect(best?.y).toBe(Math.min(...ys));
    // All three choices and both ends of the int range come up in 40 draws.
    expect(new Set(rows.map((r) => r.kind)).size).toBe(3);
  });

  it('shares the evaluation budget across two workers, failed evaluations included', async () => {
    const id = newNetworkId();
    const [a, b] = await Promise.all([worker(id), worker(id)]);
    let calls = 0;
    const objective = async ({ x1, x2 }: { x1: number; x2: number }) => {
      await tick();
      if (++calls % 5 === 0) throw new RangeError('simulated numerical failure');
      return { y: branin({ x1, x2 }), extra_metric: x1 };
    };
    const options = {
      space: braninSpace(),
      optimizer: randomSearch(),
      budget: { evaluations: 25 },
      objective,
    };
    const [bestA, bestB] = await Promise.all([optimize(a, options), optimize(b, options)]);
    const rush = await manager(id);
    const finished = await rush.fetchFinishedTasks();
    const failed = await rush.fetchFailedTasks();
    // At most one evaluation per worker beyond the budget; here the counter makes it exact.
    expect(finished.length + failed.length).toBeGreaterThanOrEqual(25);
    expect(finished.length + failed.length).toBeLessThanOrEqual(27);
    expect(failed.length).toBeGreaterThan(0);
    for (const row of failed) {
      expect(row.condition).toMatchObject({
        message: 'simulated numerical failure',
        name: 'RangeError',
      });
      expect(row.condition?.stack).toContain('RangeError');
    }
    expect(new Set(finished.map((r) => r.worker_id))).toEqual(new Set([a.workerId, b.workerId]));
    expect(finished.every((r) => typeof r.extra_metric === 'number')).toBe(true);
    const min = Math.min(...finished.map((r) => r.y as number));
    expect(Math.min(bestA!.y as number, bestB!.y as number)).toBe(min);
    expect(await rush.nRunningTasks()).toBe(0);
  });

  it('pushes the initial design once per network, and every worker evaluates it first', async () => {
    const id = newNetworkId();
    const [a, b] = await Promise.all([worker(id), worker(id)]);
    const options = {
      space: braninSpace(),
      optimizer: randomSearch(),
      budget: { evaluations: 20 },
      initialDesign: 8,
      objective: async (xs: { x1: number; x2: number }) => {
        await tick();
        return branin(xs);
      },
    };
    await Promise.all([optimize(a, options), optimize(b, options)]);
    const rush = await manager(id);
    const rows = await rush.fetchFinishedTasks();
    const design = rows.filter((r) => r.stage === 'initial_design');
    expect(design).toHaveLength(8);
    expect(rows).toHaveLength(20);
    // A Latin hypercube: one point in each eighth of each range.
    const slices = (v: number[], lo: number, hi: number) =>
      new Set(v.map((x) => Math.floor(((x - lo) / (hi - lo)) * 8)));
    expect(
      slices(
        design.map((r) => r.x1 as number),
        -5,
        10,
      ).size,
    ).toBe(8);
    expect(
      slices(
        design.map((r) => r.x2 as number),
        0,
        15,
      ).size,
    ).toBe(8);
    expect(await rush.nQueuedTasks()).toBe(0);
  });

  it('takes a design given as configurations, and a manager can take part in-process', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const rush = await manager(id);
    const design = [
      { x1: 0, x2: 0 },
      { x1: 1, x2: 1 },
      { x1: 2, x2: 2 },
    ];
    const options = {
      space: braninSpace(),
      optimizer: randomSearch(),
      budget: { evaluations: 10 },
      initialDesign: design,
      objective: async (xs: { x1: number; x2: number }) => {
        await tick();
        return branin(xs);
      },
    };
    await Promise.all([optimize(w, options), optimize(rush, options)]);
    const rows = await rush.fetchFinishedTasks();
    expect(rows).toHaveLength(10);
    const designRows = rows.filter((r) => r.stage === 'initial_design');
    expect(designRows.map((r) => [r.x1, r.x2]).sort()).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    await expect(optimize(w, { ...options, initialDesign: [{ x1: 20, x2: 0 }] })).rejects.toThrow(
      /initialDesign\[0\]\.x1/,
    );
  });

  it('stops at the seconds budget of the network', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const started = Date.now();
    await optimize(w, {
      space: braninSpace(),
      optimizer: randomSearch(),
      budget: { seconds: 0.5 },
      objective: async (xs) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return branin(xs);
      },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await w.nFinishedTasks()).toBeGreaterThan(0);
  });

  it('records report(step, value) on the running task, as its history', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const observer = await manager(id);
    const seen: unknown[] = [];
    await optimize(w, {
      space: braninSpace(),
      optimizer: randomSearch(),
      budget: { evaluations: 2 },
      objective: async (xs, { report, key }) => {
        expect(await report(1, 42)).toBe(false);
        expect(await report(2, 41)).toBe(false);
        seen.push(await observer.readHash(key, ['report']));
        return branin(xs);
      },
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({
      report: [
        { step: 1, value: 42 },
        { step: 2, value: 41 },
      ],
    });
  });

  it('refuses bad options before writing anything', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const base = { space: braninSpace(), optimizer: randomSearch(), objective: () => 1 };
    await expect(optimize(w, { ...base, budget: {} })).rejects.toThrow(RushInputError);
    await expect(optimize(w, { ...base, budget: { evaluations: 0 } })).rejects.toThrow(
      /evaluations/,
    );
    await expect(
      optimize(w, {
        ...base,
        optimizer: asha({ budget: 'epochs', min: 1, max: 9 }),
        budget: { evaluations: 5 },
      }),
    ).rejects.toThrow(/budget/);
    expect(await w.nTasks()).toBe(0);
  });
});

describe('asha', () => {
  it('evaluates on rungs min·eta^k and promotes each configuration at most once', async () => {
    const id = newNetworkId();
    const [a, b] = await Promise.all([worker(id), worker(id)]);
    const s = space({ x: float(0, 1), epochs: int(1, 27) });
    const options = {
      space: s,
      optimizer: asha({ budget: 'epochs', min: 1, max: 27, eta: 3 }),
      budget: { evaluations: 80 },
      seed: 7,
      objective: async ({ x, epochs }: { x: number; epochs: number }) => {
        await tick();
        return (x - 0.3) ** 2 + 1 / epochs;
      },
    };
    await Promise.all([optimize(a, options), optimize(b, options)]);
    const rows = await (await manager(id)).fetchFinishedTasks();
    expect(rows.length).toBe(80);
    const budgets = [1, 3, 9, 27];
    const seen = new Set<string>();
    const byConfig = new Map<string, Map<number, (typeof rows)[number]>>();
    for (const row of rows) {
      expect(row.optimizer).toBe('asha');
      const rung = row.rung as number;
      expect(row.epochs).toBe(budgets[rung]);
      const id = `${row.config_id}:${rung}`;
      expect(seen.has(id)).toBe(false); // never promoted (or evaluated) twice at one rung
      seen.add(id);
      const rungs = byConfig.get(row.config_id as string) ?? new Map();
      rungs.set(rung, row);
      byConfig.set(row.config_id as string, rungs);
    }
    const promoted = rows.filter((r) => (r.rung as number) > 0);
    expect(promoted.length).toBeGreaterThan(0);
    expect(promoted.some((r) => r.rung === 2)).toBe(true);
    for (const row of promoted) {
      // A promotion carries the configuration up from the rung below, where it ranked well.
      const below = byConfig.get(row.config_id as string)!.get((row.rung as number) - 1);
      expect(below).toBeDefined();
      expect(below!.x).toBe(row.x);
      expect(row.promoted_from).toBe(below!.key);
    }
  });

  it('needs an int or float budget parameter of the space', () => {
    expect(() => asha({ budget: 'epochs', min: 0, max: 9 })).toThrow(RushInputError);
    expect(() => asha({ budget: 'epochs', min: 1, max: 9, eta: 1 })).toThrow(/eta/);
    const opt = asha({ budget: 'kind', min: 1, max: 9 });
    expect(() => opt.check?.(space({ kind: choice(['a', 'b']) }))).toThrow(/int or float/);
  });
});

describe('bestTasks', () => {
  it('ranks finished tasks by the target', async () => {
    const rush = await manager();
    await rush.pushFinishedTasks(
      [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }],
      [{ y: 3, z: 0 }, { y: 1, z: 5 }, { y: 2, z: 9 }, { z: 1 }],
    );
    expect((await bestTasks(rush)).map((r) => r.x)).toEqual([2]);
    expect((await bestTasks(rush, { n: 2 })).map((r) => r.y)).toEqual([1, 2]);
    expect((await bestTasks(rush, { n: 10, minimize: false })).map((r) => r.y)).toEqual([3, 2, 1]);
    expect((await bestTasks(rush, { n: 2, target: 'z', minimize: false })).map((r) => r.x)).toEqual(
      [3, 2],
    );
    await expect(bestTasks(rush, { n: 0 })).rejects.toThrow(RushInputError);
  });
});

describe('adbo', () => {
  it('runs, and finds a better Branin value than random search with the same seed and budget', async () => {
    const run = async (optimizer: ReturnType<typeof adbo>) => {
      const w = await worker(newNetworkId());
      const best = await optimize(w, {
        space: braninSpace(),
        optimizer,
        budget: { evaluations: 40 },
        initialDesign: 10,
        seed: 3,
        objective: (xs) => branin(xs),
      });
      return { best: best!.y as number, rows: await w.fetchFinishedTasks() };
    };
    const bo = await run(adbo());
    const random = await run(randomSearch());
    expect(bo.rows).toHaveLength(40);
    expect(bo.rows.filter((r) => r.stage === 'mbo').length).toBeGreaterThan(15);
    const mbo = bo.rows.find((r) => r.stage === 'mbo')!;
    expect(mbo).toMatchObject({ optimizer: 'adbo' });
    expect(typeof mbo.lambda).toBe('number');
    expect(bo.best).toBeLessThan(random.best);
    expect(bo.best).toBeLessThan(1); // the minimum is 0.397887
  });
});

describe('optimize in worker processes', () => {
  it('shares the budget between real workers that import rushnet/optimize', async () => {
    const rush = await manager();
    const loop = { module: new URL('../fixtures/optimize-loop.mjs', import.meta.url) };
    // Both run before either starts: each then takes part of the budget.
    const ids = await rush.startLocalWorkers(loop, { nWorkers: 2, args: [30, 2] });
    await waitUntil(async () => (await rush.nTerminatedWorkers()) === 2, {
      timeoutMs: 25_000,
      what: 'both workers to finish their loops',
    });
    const rows = await rush.fetchFinishedTasks();
    expect(rows.length + (await rush.nFailedTasks())).toBe(30);
    expect(rows.filter((r) => r.stage === 'initial_design')).toHaveLength(4);
    expect(new Set(rows.map((r) => r.worker_id))).toEqual(new Set(ids));
    expect((await bestTasks(rush))[0]!.y).toBe(Math.min(...rows.map((r) => r.y as number)));
  });
});

describe('examples/tune.mjs', () => {
  it('tunes a ridge regression with two worker processes and prints the best', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { stdout } = await promisify(execFile)(process.execPath, ['examples/tune.mjs'], {
      env: { ...process.env, REDIS_URL: redisUrl(), BUDGET: '20' },
      timeout: 60_000,
    });
    expect(stdout).toMatch(
      /^\d+ evaluations; best cross-validated RMSE \d\.\d{4} with degree \d+, lambda \S+, scaling (raw|unit)$/m,
    );
  });
});
