/**
 * A Gaussian process regression surrogate: Matérn 5/2 kernel on the unit cube, one length scale
 * for all inputs, targets standardized, hyperparameters (length scale, noise) chosen on a grid by
 * the log marginal likelihood. Written here because npm has no maintained GP or regression
 * forest with standard errors that fits in a proposal's time (docs/optimization.md has the
 * measurements). Cost: O(n³/3) to fit, O(n·(d + n)) per prediction; the caller bounds n.
 */

const SQRT5 = Math.sqrt(5);

/** Hyperparameters of a {@link GaussianProcess}. */
export interface GpHyper {
  /** Length scale of the kernel, in units of the unit cube. */
  lengthscale: number;
  /** Noise variance, relative to the standardized targets' variance of 1. */
  noise: number;
}

/** Matérn 5/2 correlation at distance r for length scale l. */
export function matern52(r: number, l: number): number {
  const s = (SQRT5 * r) / l;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/**
 * Cholesky factor of the symmetric positive definite n×n matrix `a` (row-major), in place: the
 * lower triangle becomes L with a = L·Lᵀ. Returns false when `a` is not positive definite.
 */
export function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L·x = b for lower-triangular L (row-major n×n), in place in b. */
export function solveLower(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[ri + k]! * b[k]!;
    b[i] = s / l[ri + i]!;
  }
}

/** Solves Lᵀ·x = b for lower-triangular L, in place in b. */
export function solveUpper(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]! - b[i]!;
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * Gaussian process regression with a Matérn 5/2 kernel on points of the unit cube (one length
 * scale for all inputs, targets standardized): the surrogate model of {@link adbo}. Empty until
 * {@link GaussianProcess.fit | fit}; then {@link GaussianProcess.predict | predict} gives the
 * posterior mean and standard deviation.
 */
export class GaussianProcess {
  #x: Float64Array[] = [];
  #l = new Float64Array(0);
  #alpha = new Float64Array(0);
  #mean = 0;
  #scale = 1;
  #hyper: GpHyper = { lengthscale: 0.3, noise: 1e-4 };
  /** Scratch space of `predict` (one allocation per fit, not per prediction). */
  #ks = new Float64Array(0);
  /** Log marginal likelihood of the last fit (standardized targets). */
  logLikelihood = Number.NaN;

  /**
   * Hyperparameters of the last fit (picked by the marginal likelihood, or given to `fit`).
   * Before any fit: length scale 0.3, noise 1e-4.
   */
  get hyper(): GpHyper {
    return this.#hyper;
  }
  /** Number of points of the last fit (0 before any fit). */
  get size(): number {
    return this.#x.length;
  }

  /**
   * Fits to inputs `x` (points of the unit cube) and targets `y`. With `hyper`, uses it; else
   * picks the length scale, then the noise, from grids by the marginal likelihood.
   */
  fit(x: Float64Array[], y: ArrayLike<number>, hyper?: GpHyper): this {
    const n = x.length;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i]!;
    mean /= Math.max(1, n);
    let sd = 0;
    for (let i = 0; i < n; i++) sd += (y[i]! - mean) ** 2;
    sd = Math.sqrt(sd / Math.max(1, n - 1));
    this.#mean = mean;
    this.#scale = sd > 1e-12 ? sd : 1;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = (y[i]! - mean) / this.#scale;
    this.#x = x;
    const d = x[0]?.length ?? 1;
    const distances = pairwise(x);
    if (hyper) {
      this.#factor(distances, z, hyper);
      return this;
    }
    let best = { ll: Number.NEGATIVE_INFINITY, hyper: this.#hyper };
    const consider = (h: GpHyper) => {
      const ll = this.#factor(distances, z, h);
      if (ll > best.ll) best = { ll, hyper: h };
    };
    for (const f of [0.05, 0.1, 0.2, 0.35, 0.6, 1, 1.7])
      consider({ lengthscale: f * Math.sqrt(d), noise: 1e-4 });
    const lengthscale = best.hyper.lengthscale;
    for (const noise of [1e-6, 1e-2, 1e-1]) consider({ lengthscale, noise });
    this.#factor(distances, z, best.hyper);
    return this;
  }

  /** Builds and factors the kernel matrix; returns the log marginal likelihood (−∞ if singular). */
  #factor(distances: Float64Array, z: Float64Array, hyper: GpHyper): number {
    const n = z.length;
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = matern52(distances[i * n + j]!, hyper.lengthscale);
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
      k[i * n + i] = 1 + hyper.noise + 1e-8;
    }
    if (!cholesky(k, n)) return Number.NEGATIVE_INFINITY;
    const alpha = Float64Array.from(z);
    solveLower(k, n, alpha);
    let fit = 0;
    for (let i = 0; i < n; i++) fit += alpha[i]! * alpha[i]!;
    solveUpper(k, n, alpha);
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(k[i * n + i]!);
    this.#l = k;
    this.#alpha = alpha;
    this.#hyper = hyper;
    this.logLikelihood = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
    return this.logLikelihood;
  }

  /** Posterior mean and standard deviation at `x`, in the units of the targets. */
  predict(x: Float64Array): { mean: number; sd: number } {
    const n = this.#x.length;
    if (n === 0) return { mean: 0, sd: 1 };
    if (this.#ks.length !== n) this.#ks = new Float64Array(n);
    const ks = this.#ks;
    let m = 0;
    for (let i = 0; i < n; i++) {
      ks[i] = matern52(distance(x, this.#x[i]!), this.#hyper.lengthscale);
      m += ks[i]! * this.#alpha[i]!;
    }
    solveLower(this.#l, n, ks);
    let v = 1;
    for (let i = 0; i < n; i++) v -= ks[i]! * ks[i]!;
    return {
      mean: this.#mean + this.#scale * m,
      sd: this.#scale * Math.sqrt(Math.max(v, 1e-12)),
    };
  }
}

/** Distances between all pairs of points (row-major n×n). */
function pairwise(x: Float64Array[]): Float64Array {
  const n = x.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const r = distance(x[i]!, x[j]!);
      out[i * n + j] = r;
      out[j * n + i] = r;
    }
  }
  return out;
}
