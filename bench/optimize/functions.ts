/**
 * Test functions of the optimization benchmark, with their spaces and known minima: Branin
 * (2-d), Hartmann6 (6-d) and Ackley in 10 dimensions.
 */
import { float, space } from '../../dist/optimize/index.js';

export interface TestFunction {
  name: string;
  space: ReturnType<typeof space>;
  minimum: number;
  f(xs: Record<string, unknown>): number;
}

const branin: TestFunction = {
  name: 'branin',
  space: space({ x1: float(-5, 10), x2: float(0, 15) }),
  minimum: 0.397887,
  f: (xs) => {
    const x1 = xs.x1 as number;
    const x2 = xs.x2 as number;
    const a = x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6;
    return a ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  },
};

const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const ALPHA = [1, 1.2, 3, 3.2];
const unitSpace = (d: number, lo = 0, hi = 1) =>
  space(Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i + 1}`, float(lo, hi)])));

const hartmann6: TestFunction = {
  name: 'hartmann6',
  space: unitSpace(6),
  minimum: -3.32237,
  f: (xs) => {
    let outer = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++)
        inner += A[i]![j]! * ((xs[`x${j + 1}`] as number) - P[i]![j]!) ** 2;
      outer += ALPHA[i]! * Math.exp(-inner);
    }
    return -outer;
  },
};

const ackley10: TestFunction = {
  name: 'ackley10',
  space: unitSpace(10, -32.768, 32.768),
  minimum: 0,
  f: (xs) => {
    let s1 = 0;
    let s2 = 0;
    for (let i = 1; i <= 10; i++) {
      const x = xs[`x${i}`] as number;
      s1 += x * x;
      s2 += Math.cos(2 * Math.PI * x);
    }
    return -20 * Math.exp(-0.2 * Math.sqrt(s1 / 10)) - Math.exp(s2 / 10) + 20 + Math.E;
  },
};

export const FUNCTIONS: Record<string, TestFunction> = { branin, hartmann6, ackley10 };
