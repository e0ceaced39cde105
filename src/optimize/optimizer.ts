/**
 * What an optimizer is to `optimize()`: a factory that each worker calls once to get its own
 * instance; the instance learns from every finished evaluation of the network (`observe`) and
 * proposes the next configuration. Optimizers always minimize: `optimize` hands them the loss
 * (the target, negated when maximizing).
 */
import type { Logger } from '../logging/logger.js';
import type { Rush } from '../rush.js';
import type { Rng } from './rng.js';
import type { ParamShape, Space, SpaceValues } from './space.js';
import type { OptimizationStore } from './store.js';

/** A finished evaluation, as an optimizer sees it. */
export interface Evaluation {
  key: string;
  xs: Record<string, unknown>;
  /** The target, as a loss (lower is better). */
  loss: number;
  /** The task's `xs_extra` properties (optimizer, stage, rung, ...), as read from the row. */
  row: Readonly<Record<string, unknown>>;
}

/** The next configuration and what the optimizer records about it in `xs_extra`. */
export interface Proposal<S extends ParamShape = ParamShape> {
  xs: SpaceValues<S>;
  extra: Record<string, unknown>;
}

/** What `optimize` gives {@link Optimizer.start} on each participant. */
export interface OptimizerContext<S extends ParamShape = ParamShape> {
  /** The participant's `Rush` (or `RushWorker`), to read the network's tasks. */
  rush: Rush;
  /** The search space being optimized. */
  space: Space<S>;
  /** This participant's random stream (seeded by `OptimizeOptions.seed` and its arrival number). */
  rng: Rng;
  /**
   * The network's shared optimization state in Redis (counters and first-writer-wins claims),
   * as the built-in optimizers use it. Not a stable API.
   * @internal
   */
  store: OptimizationStore;
  /** Who proposes (the worker id, or the manager's participant id). */
  proposer: string;
  /** The participant's logger. */
  logger: Logger;
}

/** One participant's optimizer, made by {@link Optimizer.start}: learns and proposes. */
export interface OptimizerInstance<S extends ParamShape = ParamShape> {
  /** Learns from evaluations that finished anywhere in the network since the last call. */
  observe(evaluations: readonly Evaluation[]): void;
  /**
   * Starts reading what the next proposal needs (e.g. the running tasks), in the same round trip
   * as learning and counting, while the previous evaluation is being recorded.
   */
  prefetch?(): Promise<void> | void;
  /** The next configuration to evaluate. */
  propose(): Promise<Proposal<S>> | Proposal<S>;
  /** What a point of the initial design becomes (e.g. ASHA puts it on rung 0). @default as is */
  fromDesign?(xs: SpaceValues<S>): Proposal<S>;
  /**
   * Whether a running evaluation of this participant should stop early, given an intermediate
   * value as a loss (`report(step, value)` of the objective) and the evaluation's configuration
   * `xs`. Called one report at a time per evaluation, in order; once it says true, `report`
   * resolves to true for the rest of the evaluation without asking again. @default never
   */
  shouldStop?(
    key: string,
    step: number,
    loss: number,
    xs: Readonly<Record<string, unknown>>,
  ): boolean | Promise<boolean>;
}

/**
 * An optimization algorithm, as `optimize` takes it: a factory that each participant starts
 * once. Optimizers minimize: they see losses. Made by `randomSearch()`, `asha()`, `adbo()`, or
 * written by hand.
 */
export interface Optimizer {
  /** Recorded in `xs_extra.optimizer` of every evaluation. */
  readonly name: string;
  /** Checks the optimizer against the space before anything runs (RushInputError). */
  check?(space: Space): void;
  /** One instance per participant that runs `optimize`. */
  start<S extends ParamShape>(context: OptimizerContext<S>): OptimizerInstance<S>;
}
