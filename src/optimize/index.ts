/**
 * rushnet/optimize: asynchronous decentralized optimization on a rush network. Search spaces,
 * optimizers (random search, ASHA, ADBO), the `optimize` loop that any number of workers run
 * together, and `bestTasks`. docs/optimization.md explains how they work.
 * @module rushnet/optimize
 */
export { type AdboOptions, adbo } from './adbo.js';
export { type AshaOptions, asha, rungBudgets } from './asha.js';
export { type BestTasksOptions, bestTasks } from './best-tasks.js';
export { initialDesign, latinHypercube } from './design.js';
export { GaussianProcess, type GpHyper } from './gp.js';
export {
  type Objective,
  type ObjectiveContext,
  type ObjectiveResult,
  type OptimizeBudget,
  type OptimizeOptions,
  optimize,
} from './optimize.js';
export type {
  Evaluation,
  Optimizer,
  OptimizerContext,
  OptimizerInstance,
  Proposal,
} from './optimizer.js';
export { randomSearch } from './random-search.js';
export type { ReportEntry } from './reports.js';
export { Rng } from './rng.js';
export {
  type ChoiceParam,
  choice,
  type FloatParam,
  float,
  type IntParam,
  int,
  type Param,
  type ParamShape,
  type ParamValue,
  type ScaleOptions,
  Space,
  type SpaceValues,
  space,
} from './space.js';
