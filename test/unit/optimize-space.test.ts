/**
 * Search spaces: bound checks that name the parameter, sampling on the right scale, the encoding
 * into the unit cube and back, validation of proposals, and the Latin hypercube design.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { RushInputError } from '../../src/errors.js';
import { initialDesign, latinHypercube } from '../../src/optimize/design.js';
import { Rng } from '../../src/optimize/rng.js';
import { choice, float, int, space } from '../../src/optimize/space.js';

describe('space', () => {
  it('refuses bad bounds with a RushInputError naming the parameter', () => {
    const bad = [
      [{ lr: float(1, 1) }, /`lr` lower bound 1 must be below upper bound 1/],
      [{ lr: float(2, 1) }, /`lr`/],
      [{ lr: float(0, Number.POSITIVE_INFINITY) }, /`lr` upper bound must be a finite number/],
      [{ lr: float(Number.NaN, 1) }, /`lr` lower bound must be a finite number/],
      [{ lr: float(0, 1, { log: true }) }, /`lr` a log scale needs a lower bound above 0/],
      [{ depth: int(1.5, 4) }, /`depth` int bounds must be integers/],
      [{ depth: int(0, 4, { log: true }) }, /`depth`/],
      [{ kind: choice([]) }, /`kind` choice needs a non-empty array/],
      [{ other: { kind: 'float', lo: 0 } }, /`other`/],
    ] as const;
    for (const [params, message] of bad) {
      expect(() => space(params as never)).toThrow(RushInputError);
      expect(() => space(params as never)).toThrow(message);
    }
    expect(() => space({})).toThrow(RushInputError);
  });

  it('types configurations from the space', () => {
    const s = space({ a: float(0, 1), n: int(1, 3), k: choice(['x', 'y'] as const) });
    const xs = s.sample(new Rng(1));
    expectTypeOf(xs.a).toEqualTypeOf<number>();
    expectTypeOf(xs.k).toEqualTypeOf<'x' | 'y'>();
    expect(s.dim).toBe(4);
  });

  it('samples inside the bounds, uniformly over ints and on the log scale for log parameters', () => {
    const s = space({ n: int(1, 4), lr: float(1e-4, 1, { log: true }), k: choice([true, false]) });
    const rng = new Rng('sample');
    const counts = [0, 0, 0, 0];
    let below = 0;
    const N = 8000;
    for (let i = 0; i < N; i++) {
      const xs = s.validate(s.sample(rng));
      counts[xs.n - 1]!++;
      if (xs.lr < 1e-2) below++; // half of the log range
    }
    for (const c of counts) expect(Math.abs(c / N - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(below / N - 0.5)).toBeLessThan(0.03);
  });

  it('encodes into [0, 1]^d (log scale, int slices, one-hot choices) and decodes back', () => {
    const s = space({
      x: float(-5, 10),
      lr: float(1e-3, 10, { log: true }),
      n: int(0, 3),
      k: choice(['a', 'b', 'c']),
    });
    const u = s.encode({ x: 10, lr: 0.1, n: 2, k: 'b' });
    expect(u[0]).toBe(1);
    expect(u[1]).toBeCloseTo(0.5, 12); // 0.1 is halfway between 1e-3 and 10 on a log scale
    expect(u[2]).toBeCloseTo(2.5 / 4, 12); // the middle of the third of four slices
    expect([...u.slice(3)]).toEqual([0, 1, 0]);
    expect(s.decode(u)).toEqual({ x: 10, lr: expect.closeTo(0.1, 12), n: 2, k: 'b' });
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const xs = s.sample(rng);
      const back = s.decode(s.encode(xs));
      expect(back.n).toBe(xs.n);
      expect(back.k).toBe(xs.k);
      expect(back.x).toBeCloseTo(xs.x, 9);
    }
  });

  it('validates proposals, naming the parameter', () => {
    const s = space({ x: float(0, 1), n: int(1, 3), k: choice(['a']) });
    expect(() => s.validate({ x: 1.5, n: 1, k: 'a' }, 'proposal')).toThrow(
      /`proposal.x` must be a number in \[0, 1\]/,
    );
    expect(() => s.validate({ x: 0.5, n: 1.5, k: 'a' })).toThrow(/`xs.n` must be an integer/);
    expect(() => s.validate({ x: 0.5, n: 1, k: 'b' })).toThrow(/`xs.k` must be one of/);
    expect(() => s.validate({ n: 1, k: 'a' })).toThrow(/`xs.x`/);
    expect(s.validate({ x: 0.5, n: 3, k: 'a' })).toEqual({ x: 0.5, n: 3, k: 'a' });
    expect(s.contains({ x: 2, n: 1, k: 'a' })).toBe(false);
  });
});

describe('initial design (Latin hypercube)', () => {
  it('puts exactly one point in each slice of each column', () => {
    const points = latinHypercube(10, 3, new Rng(42));
    expect(points).toHaveLength(10);
    for (let c = 0; c < 3; c++) {
      const slices = points.map((p) => Math.floor(p[c]! * 10)).sort((a, b) => a - b);
      expect(slices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('spreads choices evenly and maps numbers onto their scale', () => {
    const s = space({ k: choice(['a', 'b', 'c']), lr: float(1e-4, 1, { log: true }) });
    const design = initialDesign(s, 9, new Rng(1));
    const counts = { a: 0, b: 0, c: 0 };
    for (const xs of design) counts[xs.k as 'a' | 'b' | 'c']++;
    expect(counts).toEqual({ a: 3, b: 3, c: 3 });
    // Four decades cut into nine slices: one point in each.
    const slices = design.map((xs) => Math.floor(((Math.log10(xs.lr) + 4) / 4) * 9)).sort();
    expect(slices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('is repeatable with a seed', () => {
    expect(latinHypercube(5, 2, new Rng('s'))).toEqual(latinHypercube(5, 2, new Rng('s')));
  });
});
