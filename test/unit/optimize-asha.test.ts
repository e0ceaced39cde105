/**
 * ASHA's rung arithmetic and promotion rule, with the claims of the optimization hash replaced
 * by an in-memory map (the claims against Redis are tested in test/integration/optimize.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { asha, promotable, promotionField, rungBudgets } from '../../src/optimize/asha.js';
import type { Evaluation, OptimizerContext } from '../../src/optimize/optimizer.js';
import { Rng } from '../../src/optimize/rng.js';
import { float, int, space } from '../../src/optimize/space.js';
import type { OptimizationStore } from '../../src/optimize/store.js';

describe('rung arithmetic', () => {
  it('gives min · eta^k up to max', () => {
    expect(rungBudgets(1, 27, 3)).toEqual([1, 3, 9, 27]);
    expect(rungBudgets(1, 30, 3)).toEqual([1, 3, 9, 27]);
    expect(rungBudgets(1, 26, 3)).toEqual([1, 3, 9]);
    expect(rungBudgets(0.5, 10, 2)).toEqual([0.5, 1, 2, 4, 8]);
    expect(rungBudgets(0.1, 0.9, 3, false).map((b) => Number(b.toFixed(12)))).toEqual([
      0.1, 0.3, 0.9,
    ]);
    expect(rungBudgets(5, 5, 3)).toEqual([5]);
  });

  it('lets the best ⌊n / eta⌋ of a rung move up', () => {
    expect(promotable(2, 3)).toBe(0);
    expect(promotable(3, 3)).toBe(1);
    expect(promotable(9, 3)).toBe(3);
    expect(promotable(10, 4)).toBe(2);
    expect(promotable(6, 2)).toBe(3);
  });
});

function context(claims: Map<string, string>) {
  const s = space({ x: float(0, 1), epochs: int(1, 9) });
  const store = {
    claim: async (field: string, owner: string) => {
      if (claims.has(field)) return false;
      claims.set(field, owner);
      return true;
    },
  } as unknown as OptimizationStore;
  return { space: s, rng: new Rng(1), store, proposer: 'w1' } as unknown as OptimizerContext<
    typeof s.params
  >;
}

const result = (i: number, loss: number, rung = 0): Evaluation => ({
  key: `k${i}`,
  xs: { x: i / 10, epochs: [1, 3, 9][rung] },
  loss,
  row: { optimizer: 'asha', rung, config_id: `c${i}` },
});

describe('promotion', () => {
  it('starts new configurations at rung 0 until a rung has eta results', async () => {
    const instance = asha({ budget: 'epochs', min: 1, max: 9 }).start(context(new Map()));
    instance.observe([result(1, 0.5), result(2, 0.1)]);
    const p = await instance.propose();
    expect(p.xs.epochs).toBe(1);
    expect(p.extra).toMatchObject({ rung: 0 });
  });

  it('promotes the best of a rung not yet promoted, each once, top rungs first', async () => {
    const claims = new Map<string, string>();
    const instance = asha({ budget: 'epochs', min: 1, max: 9 }).start(context(claims));
    instance.observe([0.9, 0.2, 0.5, 0.7, 0.1, 0.8].map((loss, i) => result(i, loss)));
    // Two of six may move up: the configurations of losses 0.1 (c4) and 0.2 (c1).
    const first = await instance.propose();
    expect(first.xs).toEqual({ x: 0.4, epochs: 3 });
    expect(first.extra).toMatchObject({ rung: 1, config_id: 'c4', promoted_from: 'k4' });
    // Another worker has taken c1's promotion: this one skips it and samples anew.
    claims.set(promotionField('c1', 0), 'w2');
    const second = await instance.propose();
    expect(second.extra).toMatchObject({ rung: 0 });
    expect([...claims.keys()].sort()).toEqual(['promoted:c1:0', 'promoted:c4:0']);
    // Three results on rung 1: the best goes to rung 2 before anything on rung 0.
    instance.observe([result(4, 0.3, 1), result(1, 0.2, 1), result(6, 0.9, 1)]);
    instance.observe([result(7, 0.01), result(8, 0.02), result(9, 0.03)]);
    const third = await instance.propose();
    expect(third.extra).toMatchObject({ rung: 2, config_id: 'c1' });
    expect(third.xs.epochs).toBe(9);
  });
});
