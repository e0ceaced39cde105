/**
 * ASHA's stopping rule as pure logic: which rungs a report reaches, which losses go on at a rung
 * (the cold start included), and a participant's decisions over the network's rung lists, with
 * the lists held in memory instead of Redis (against Redis: test/integration/optimize-stopping).
 */
import { describe, expect, it } from 'vitest';
import { asha, rungBudgets } from '../../src/optimize/asha.js';
import type { OptimizerContext, OptimizerInstance } from '../../src/optimize/optimizer.js';
import { Rng } from '../../src/optimize/rng.js';
import { float, int, space } from '../../src/optimize/space.js';
import { continuesAtRung, RungRecords, rungsReached } from '../../src/optimize/stopping.js';
import type { OptimizationStore } from '../../src/optimize/store.js';

describe('rungs reached by a report', () => {
  const budgets = rungBudgets(1, 27, 3); // [1, 3, 9, 27]

  it('are the rungs at or below the step, past those recorded, below the own budget', () => {
    expect(rungsReached(budgets, 0.5, 27, -1)).toEqual([]);
    expect(rungsReached(budgets, 1, 27, -1)).toEqual([0]);
    expect(rungsReached(budgets, 2, 27, 0)).toEqual([]);
    expect(rungsReached(budgets, 3, 27, 0)).toEqual([1]);
    // A coarse report crosses two rungs at once.
    expect(rungsReached(budgets, 10, 27, 0)).toEqual([1, 2]);
    // The last step of the evaluation's own budget is no rung: nothing is left to save.
    expect(rungsReached(budgets, 27, 27, 2)).toEqual([]);
    expect(rungsReached(budgets, 9, 9, 1)).toEqual([]);
  });

  it('are marked as recorded per evaluation', () => {
    const records = new RungRecords(budgets);
    expect(records.reach('a', 1, 27)).toEqual([0]);
    expect(records.reach('a', 1.5, 27)).toEqual([]);
    expect(records.reach('b', 4, 27)).toEqual([0, 1]);
    expect(records.reach('a', 4, 27)).toEqual([1]);
    records.forget('a');
    expect(records.reach('a', 1, 27)).toEqual([0]);
  });

  it('read back from the network lists once each, even when two reads overlap', () => {
    const records = new RungRecords(budgets);
    records.add(0, 0, ['0.5 a', '0.2 b']);
    records.add(0, 1, ['0.2 b', '0.9 c', 'NaN d']); // position 1 again: b is not counted twice
    expect(records.seen(0)).toBe(4);
    // Four losses, ⌊4/3⌋ = 1 kept: only b's 0.2 (and its ties) go on.
    expect(records.continues(0.2, [0], 3)).toBe(true);
    expect(records.continues(0.5, [0], 3)).toBe(false);
    expect(records.continues(0.1, [0, 1], 3)).toBe(true); // rung 1: cold start
  });
});

describe('who goes on at a rung', () => {
  it('lets every evaluation go on while fewer than eta reached the rung (cold start)', () => {
    expect(continuesAtRung(100, [100], 3)).toBe(true);
    expect(continuesAtRung(100, [1, 100], 3)).toBe(true);
    expect(continuesAtRung(5, [1, 5], 2)).toBe(false);
  });

  it('keeps the best ⌊n / eta⌋ of the n losses of the rung, its own included', () => {
    expect(continuesAtRung(1, [2, 3, 1], 3)).toBe(true);
    expect(continuesAtRung(2, [1, 3, 2], 3)).toBe(false);
    const six = [0.9, 0.2, 0.5, 0.7, 0.1, 0.8];
    expect(six.filter((loss) => continuesAtRung(loss, six, 3))).toEqual([0.2, 0.1]);
    expect(six.filter((loss) => continuesAtRung(loss, six, 2))).toEqual([0.2, 0.5, 0.1]);
    // Ties with the last kept go on; NaN (a diverged run) ranks worst.
    expect(continuesAtRung(0.5, [0.5, 0.5, 0.9], 3)).toBe(true);
    expect(continuesAtRung(Number.NaN, [Number.NaN, 1, 2], 3)).toBe(false);
    expect(continuesAtRung(2, [Number.NaN, 1, 2, Number.NaN, 3, 4], 3)).toBe(true);
  });
});

/** An ASHA stopper over rung lists in memory, as OptimizationStore.recordAtRungs keeps them. */
function stopper(lists: Map<number, string[]>, eta = 3) {
  const s = space({ x: float(0, 1), epochs: int(1, 27) });
  const store = {
    recordAtRungs: async (rungs: number[], entry: string, from: number[]) =>
      rungs.map((k, i) => {
        const list = lists.get(k) ?? [];
        list.push(entry);
        lists.set(k, list);
        return list.slice(from[i]);
      }),
  } as unknown as OptimizationStore;
  const context = {
    space: s,
    rng: new Rng(1),
    store,
    proposer: 'w',
  } as unknown as OptimizerContext<typeof s.params>;
  return asha({ budget: 'epochs', min: 1, max: 27, eta, stopping: true }).start(
    context,
  ) as OptimizerInstance<typeof s.params>;
}

/** Reports a learning curve step by step; returns the step at which it was told to stop. */
async function run(instance: OptimizerInstance, key: string, curve: (step: number) => number) {
  for (let step = 1; step <= 27; step++) {
    if (await instance.shouldStop!(key, step, curve(step), { x: 0, epochs: 27 })) return step;
  }
  return undefined;
}

describe('ASHA stopping over the network rung lists', () => {
  it('proposes every configuration at the largest budget', async () => {
    const instance = stopper(new Map());
    const p = await instance.propose();
    expect(p.xs.epochs).toBe(27);
    expect(p.extra).toEqual({ stage: 'asha_stopping' });
    expect(instance.fromDesign!({ x: 0.5, epochs: 1 }).xs).toEqual({ x: 0.5, epochs: 27 });
  });

  it('stops bad learning curves at the first rung where they rank below the best 1/eta', async () => {
    const lists = new Map<number, string[]>();
    // Two participants share the lists; curves level off at `floor`.
    const [a, b] = [stopper(lists), stopper(lists)];
    const curve = (floor: number) => (step: number) => floor + 1 / step;
    // Cold start: the first two reach every rung without a stop.
    expect(await run(a, 'k1', curve(0.5))).toBeUndefined();
    expect(await run(b, 'k2', curve(0.9))).toBeUndefined();
    // Third at rung 0 (step 1): losses 1.5, 1.9, 1.2: it is the best of ⌊3/3⌋ = 1: on; at rung 1
    // (3): 0.83, 1.23, 0.53: best again; rung 2 (9): best again. It runs to the end.
    expect(await run(a, 'k3', curve(0.2))).toBeUndefined();
    // Fourth: ⌊4/3⌋ = 1 kept at rung 0; 1.8 is not the best: stopped at step 1.
    expect(await run(b, 'k4', curve(0.8))).toBe(1);
    // Fifth, better than all: goes on at every rung.
    expect(await run(a, 'k5', curve(0.1))).toBeUndefined();
    // Sixth: at rung 0 it is the 2nd of 6 (⌊6/3⌋ = 2 kept); at rung 1 (5 entries: k4 stopped
    // before it) the 2nd where ⌊5/3⌋ = 1 is kept: stopped at step 3.
    expect(await run(b, 'k6', curve(0.15))).toBe(3);
    expect(lists.get(0)).toHaveLength(6);
    expect(lists.get(1)).toHaveLength(5);
    expect(lists.get(2)).toHaveLength(4);
    expect(lists.has(3)).toBe(false); // the end of the budget is no rung
    expect(lists.get(1)![0]).toMatch(/^0\.8333\d* k1$/);
  });
});
