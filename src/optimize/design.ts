/**
 * The initial design: a Latin hypercube over the parameters (each parameter's range is cut into
 * n equal slices, on its own scale, and every slice holds exactly one point; a choice of k values
 * takes each value n/k times, give or take one).
 */
import type { Rng } from './rng.js';
import type { ParamShape, Space, SpaceValues } from './space.js';

/** Per parameter, n numbers in [0, 1), one in each slice [i/n, (i+1)/n), in random order. */
export function latinHypercube(n: number, columns: number, rng: Rng): Float64Array[] {
  const points = Array.from({ length: n }, () => new Float64Array(columns));
  for (let c = 0; c < columns; c++) {
    const slices = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < n; i++) points[i]![c] = (slices[i]! + rng.next()) / n;
  }
  return points;
}

/** `n` configurations of `space` from a Latin hypercube. */
export function initialDesign<S extends ParamShape>(
  space: Space<S>,
  n: number,
  rng: Rng,
): SpaceValues<S>[] {
  const names = space.names;
  return latinHypercube(n, names.length, rng).map((unit) => {
    // Spread each parameter's number onto its columns of the encoding, then decode.
    const u: number[] = [];
    names.forEach((name, j) => {
      const p = space.params[name]!;
      if (p.kind === 'choice') {
        const index = Math.min(p.values.length - 1, Math.floor(unit[j]! * p.values.length));
        for (let c = 0; c < p.values.length; c++) u.push(c === index ? 1 : 0);
      } else {
        u.push(unit[j]!);
      }
    });
    return space.decode(u);
  });
}
