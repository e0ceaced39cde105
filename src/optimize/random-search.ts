/**
 * Random search: every proposal is a uniform draw from the space (on the log scale for log
 * parameters). Needs no coordination: the workers' random streams differ.
 */
import type { Optimizer } from './optimizer.js';

/** Random search: every proposal is a uniform draw from the space (log scale for log parameters). */
export function randomSearch(): Optimizer {
  return {
    name: 'random_search',
    start: ({ space, rng }) => ({
      observe() {},
      propose: () => ({ xs: space.sample(rng), extra: { stage: 'random' } }),
    }),
  };
}
