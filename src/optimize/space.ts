/**
 * Search spaces: `space({ lr: float(1e-4, 1, { log: true }), depth: int(1, 8), kind:
 * choice(['a', 'b']) })`. A space checks its bounds (naming the parameter), samples
 * configurations, encodes them into the unit cube for surrogate models (numbers on their own or
 * log scale, choices one-hot), decodes points of the cube back, and validates every proposal.
 */
import { describeValue, RushInputError } from '../errors.js';
import { isPlainObject } from '../validate.js';
import { Rng } from './rng.js';

/** A real parameter in [lo, hi], made by {@link float}. */
export interface FloatParam {
  readonly kind: 'float';
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
}
/** An integer parameter in [lo, hi] (both included), made by {@link int}. */
export interface IntParam {
  readonly kind: 'int';
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
}
/** A parameter that takes one of `values`, made by {@link choice}. */
export interface ChoiceParam<V = unknown> {
  readonly kind: 'choice';
  readonly values: readonly V[];
}
/** One parameter of a search space. */
export type Param = FloatParam | IntParam | ChoiceParam;
/** The parameters of a search space, by name: what {@link space} takes. */
export type ParamShape = Record<string, Param>;

/** The value a parameter takes: a number, or one of a choice's values. */
export type ParamValue<P> = P extends ChoiceParam<infer V> ? V : number;
/** A configuration of a space: one value per parameter (the objective's `xs`). */
export type SpaceValues<S extends ParamShape> = { -readonly [K in keyof S]: ParamValue<S[K]> };

/** Options of {@link float} and {@link int}. */
export interface ScaleOptions {
  /** Sample and model the parameter on a log scale (needs `lo > 0`). @default false */
  log?: boolean;
}

/** A real parameter in [lo, hi]. Bounds are checked by `space()`, which names the parameter. */
export function float(lo: number, hi: number, options?: ScaleOptions): FloatParam {
  return { kind: 'float', lo, hi, log: options?.log ?? false };
}
/** An integer parameter in [lo, hi] (both included). */
export function int(lo: number, hi: number, options?: ScaleOptions): IntParam {
  return { kind: 'int', lo, hi, log: options?.log ?? false };
}
/** One of `values` (strings, numbers, booleans, null). */
export function choice<const V extends readonly unknown[]>(values: V): ChoiceParam<V[number]> {
  return { kind: 'choice', values };
}

/** A typed search space. */
export class Space<S extends ParamShape = ParamShape> {
  /** Parameter names, in the order given. */
  readonly names: readonly (keyof S & string)[];
  /** Width of the encoding (a choice of k values takes k columns). */
  readonly dim: number;
  readonly #offsets: number[];

  constructor(readonly params: Readonly<S>) {
    if (!isPlainObject(params) || Object.keys(params).length === 0) {
      throw new RushInputError(
        'space',
        `must be an object of at least one parameter, got ${describeValue(params)}`,
      );
    }
    this.names = Object.keys(params) as (keyof S & string)[];
    this.#offsets = [];
    let dim = 0;
    for (const name of this.names) {
      this.#offsets.push(dim);
      const p = checkParam(name, params[name]);
      dim += p.kind === 'choice' ? p.values.length : 1;
    }
    this.dim = dim;
  }

  /** A configuration drawn uniformly (on the log scale for log parameters). */
  sample(rng: Rng = new Rng()): SpaceValues<S> {
    const u = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) u[i] = rng.next();
    return this.decode(u);
  }

  /** The configuration as a point of [0, 1]^dim. */
  encode(xs: SpaceValues<S>, into = new Float64Array(this.dim)): Float64Array {
    this.names.forEach((name, j) => {
      const p = this.params[name]!;
      const at = this.#offsets[j]!;
      const v = (xs as Record<string, unknown>)[name];
      if (p.kind === 'choice') {
        for (let c = 0; c < p.values.length; c++) into[at + c] = 0;
        const index = p.values.findIndex((candidate) => Object.is(candidate, v) || candidate === v);
        into[at + Math.max(0, index)] = 1;
      } else {
        const [a, b] = numericRange(p);
        // An int sits in the middle of its slice of the cube (see numericRange).
        const mid = p.kind === 'int' && !p.log ? 0.5 : 0;
        const t = p.log ? Math.log(v as number) : (v as number) + mid;
        into[at] = Math.min(1, Math.max(0, (t - a) / (b - a)));
      }
    });
    return into;
  }

  /** The configuration at a point of [0, 1]^dim (values outside are clamped; ints rounded). */
  decode(u: ArrayLike<number>): SpaceValues<S> {
    const xs: Record<string, unknown> = {};
    this.names.forEach((name, j) => {
      const p = this.params[name]!;
      const at = this.#offsets[j]!;
      if (p.kind === 'choice') {
        let best = 0;
        for (let c = 1; c < p.values.length; c++) if (u[at + c]! > u[at + best]!) best = c;
        xs[name] = p.values[best];
      } else {
        const [a, b] = numericRange(p);
        const t = a + Math.min(1, Math.max(0, u[at]!)) * (b - a);
        const v = p.log ? Math.exp(t) : t;
        xs[name] =
          p.kind === 'int'
            ? Math.min(p.hi, Math.max(p.lo, Math.round(p.log ? v : Math.floor(v))))
            : Math.min(p.hi, Math.max(p.lo, v));
      }
    });
    return xs as SpaceValues<S>;
  }

  /**
   * A configuration near `xs`: numeric columns move by a normal step of `scale` (in the unit
   * cube), a choice changes with probability 1/(number of parameters).
   */
  neighbour(xs: SpaceValues<S>, rng: Rng, scale: number): SpaceValues<S> {
    const u = this.encode(xs);
    this.names.forEach((name, j) => {
      const p = this.params[name]!;
      const at = this.#offsets[j]!;
      if (p.kind === 'choice') {
        if (rng.next() < 1 / this.names.length) {
          for (let c = 0; c < p.values.length; c++) u[at + c] = 0;
          u[at + rng.int(p.values.length)] = 1;
        }
      } else {
        u[at] = Math.min(1 - 1e-12, Math.max(0, u[at]! + scale * rng.normal()));
      }
    });
    return this.decode(u);
  }

  /**
   * Checks a configuration (a proposal, or values from outside): every parameter present and
   * inside its bounds, ints integral, choices among the values. Returns it; throws
   * RushInputError naming `argument.<parameter>`.
   */
  validate(xs: unknown, argument = 'xs'): SpaceValues<S> {
    if (!isPlainObject(xs)) {
      throw new RushInputError(argument, `must be an object, got ${describeValue(xs)}`);
    }
    for (const name of this.names) {
      const p = this.params[name]!;
      const v = xs[name];
      const where = `${argument}.${name}`;
      if (p.kind === 'choice') {
        if (!p.values.some((candidate) => Object.is(candidate, v) || candidate === v)) {
          throw new RushInputError(
            where,
            `must be one of the choice's values, got ${describeValue(v)}`,
          );
        }
      } else if (typeof v !== 'number' || !Number.isFinite(v) || v < p.lo || v > p.hi) {
        throw new RushInputError(
          where,
          `must be a number in [${p.lo}, ${p.hi}], got ${describeValue(v)}`,
        );
      } else if (p.kind === 'int' && !Number.isInteger(v)) {
        throw new RushInputError(where, `must be an integer, got ${describeValue(v)}`);
      }
    }
    return xs as SpaceValues<S>;
  }

  /** Whether `xs` holds a valid value for every parameter (no throw). */
  contains(xs: Record<string, unknown>): boolean {
    try {
      this.validate(xs);
      return true;
    } catch {
      return false;
    }
  }
}

/** Creates a search space; bad bounds are a RushInputError naming the parameter. */
export function space<const S extends ParamShape>(params: S): Space<S> {
  return new Space<S>(params);
}

/** The interval that [0, 1] maps onto (log scale for log parameters; ints widened by half). */
function numericRange(p: FloatParam | IntParam): [number, number] {
  if (p.kind === 'float') return p.log ? [Math.log(p.lo), Math.log(p.hi)] : [p.lo, p.hi];
  // Each integer owns an equal slice of the cube, so uniform sampling is uniform over them.
  return p.log ? [Math.log(p.lo - 0.5), Math.log(p.hi + 0.5)] : [p.lo, p.hi + 1];
}

function checkParam(name: string, p: unknown): Param {
  if (!isPlainObject(p) || !['float', 'int', 'choice'].includes(p.kind as string)) {
    throw new RushInputError(
      name,
      `must be float(lo, hi), int(lo, hi) or choice(values), got ${describeValue(p)}`,
    );
  }
  const param = p as unknown as Param;
  if (param.kind === 'choice') {
    if (!Array.isArray(param.values) || param.values.length === 0) {
      throw new RushInputError(
        name,
        `choice needs a non-empty array of values, got ${describeValue(param.values)}`,
      );
    }
    return param;
  }
  const { lo, hi, log } = param;
  for (const [which, v] of [
    ['lower', lo],
    ['upper', hi],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RushInputError(
        name,
        `${which} bound must be a finite number, got ${describeValue(v)}`,
      );
    }
    if (param.kind === 'int' && !Number.isInteger(v)) {
      throw new RushInputError(name, `int bounds must be integers, got ${which} bound ${v}`);
    }
  }
  if (!(lo < hi)) {
    throw new RushInputError(name, `lower bound ${lo} must be below upper bound ${hi}`);
  }
  if (typeof log !== 'boolean') {
    throw new RushInputError(name, `option log must be true or false, got ${describeValue(log)}`);
  }
  if (log && lo <= 0) {
    throw new RushInputError(name, `a log scale needs a lower bound above 0, got ${lo}`);
  }
  return param;
}
