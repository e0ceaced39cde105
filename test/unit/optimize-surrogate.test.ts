/**
 * The Gaussian process surrogate and ADBO's acquisition against known values: the kernel, the
 * Cholesky factor, interpolation, the confidence bound, λ's decay and its exponential draw, and
 * the capped training set.
 */
import { describe, expect, it } from 'vitest';
import { lambdaAt, lowerConfidenceBound, selectTraining } from '../../src/optimize/adbo.js';
import {
  cholesky,
  GaussianProcess,
  matern52,
  solveLower,
  solveUpper,
} from '../../src/optimize/gp.js';
import { Rng } from '../../src/optimize/rng.js';

describe('Gaussian process', () => {
  it('has the Matérn 5/2 kernel', () => {
    expect(matern52(0, 0.3)).toBe(1);
    // (1 + √5 + 5/3)·exp(−√5) at one length scale.
    expect(matern52(0.3, 0.3)).toBeCloseTo(0.523994, 6);
    expect(matern52(3, 0.3) / 3.6957e-8).toBeCloseTo(1, 3); // (1 + √500 + 500/3)·exp(−√500)
  });

  it('factors and solves with Cholesky', () => {
    const a = Float64Array.from([4, 2, 2, 3]);
    expect(cholesky(a, 2)).toBe(true);
    expect(a[0]).toBe(2);
    expect(a[2]).toBe(1);
    expect(a[3]).toBeCloseTo(Math.SQRT2, 12);
    // Solve [[4,2],[2,3]]·x = [2, 5]: x = [-0.5, 2].
    const b = Float64Array.from([2, 5]);
    solveLower(a, 2, b);
    solveUpper(a, 2, b);
    expect(b[0]).toBeCloseTo(-0.5, 12);
    expect(b[1]).toBeCloseTo(2, 12);
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
  });

  it('interpolates its data and is unsure far from it', () => {
    const x = [0.1, 0.4, 0.7, 0.9].map((v) => Float64Array.from([v]));
    const y = [1, 3, 2, 5];
    const gp = new GaussianProcess().fit(x, y, { lengthscale: 0.2, noise: 1e-8 });
    for (let i = 0; i < 4; i++) {
      const p = gp.predict(x[i]!);
      expect(p.mean).toBeCloseTo(y[i]!, 3);
      expect(p.sd).toBeLessThan(1e-3);
    }
    const far = gp.predict(Float64Array.from([10]));
    expect(far.mean).toBeCloseTo(2.75, 6); // the targets' mean
    expect(far.sd).toBeCloseTo(
      Math.sqrt(((1 - 2.75) ** 2 + 0.25 ** 2 + 0.75 ** 2 + 2.25 ** 2) / 3),
      6,
    );
  });

  it('learns a smooth function well enough to rank points', () => {
    const rng = new Rng(1);
    const f = (u: Float64Array) => (u[0]! - 0.3) ** 2 + (u[1]! - 0.6) ** 2;
    const x = Array.from({ length: 40 }, () => Float64Array.from([rng.next(), rng.next()]));
    const gp = new GaussianProcess().fit(x, x.map(f));
    expect(gp.hyper.lengthscale).toBeGreaterThan(0);
    const near = gp.predict(Float64Array.from([0.3, 0.6]));
    const corner = gp.predict(Float64Array.from([1, 0]));
    expect(near.mean).toBeLessThan(0.02);
    expect(corner.mean).toBeGreaterThan(0.5);
  });
});

describe('ADBO acquisition', () => {
  it('is the lower confidence bound mean − λ·sd', () => {
    expect(lowerConfidenceBound(1, 2, 1.96)).toBeCloseTo(-2.92, 12);
    expect(lowerConfidenceBound(1, 0, 5)).toBe(1);
  });

  it('decays λ within each period and starts again', () => {
    const decay = { rate: 0.1, period: 25 };
    expect(lambdaAt(2, 0, decay)).toBe(2);
    expect(lambdaAt(2, 10, decay)).toBeCloseTo(2 * Math.exp(-1), 12);
    expect(lambdaAt(2, 25, decay)).toBe(2);
    expect(lambdaAt(2, 30, false)).toBe(2);
  });

  it('draws λ₀ from an exponential distribution with the chosen mean', () => {
    const rng = new Rng(9);
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) sum += rng.exponential(1.96);
    expect(sum / n).toBeGreaterThan(1.96 * 0.97);
    expect(sum / n).toBeLessThan(1.96 * 1.03);
  });

  it('caps the training set, keeping the best and the newest', () => {
    const rng = new Rng(2);
    expect(selectTraining([3, 1, 2], 10, rng)).toEqual([0, 1, 2]);
    const losses = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    const chosen = selectTraining(losses, 100, rng);
    expect(new Set(chosen).size).toBe(100);
    expect(chosen).toContain(losses.indexOf(0));
    expect(chosen).toContain(999);
  });
});
