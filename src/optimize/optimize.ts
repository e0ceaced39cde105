/**
 * `optimize(rush, options)`: the optimization loop of one participant. Any number of workers
 * (and managers) call it on the same network; they share the budget, the initial design and
 * every result through Redis, and nobody waits for anybody. Per evaluation: count it in the
 * network (the budget), take a design point from the queue or ask the optimizer, create a
 * running task, await the objective, finish (or fail) the task, learn from every new result.
 */
import { randomUUID } from 'node:crypto';
import { describeValue, RushInputError } from '../errors.js';
import type { Rush } from '../rush.js';
import type { TaskRow } from '../types.js';
import { isPlainObject } from '../validate.js';
import { initialDesign } from './design.js';
import type { Evaluation, Optimizer, OptimizerInstance, Proposal } from './optimizer.js';
import { asParticipant } from './participant.js';
import { Reports } from './reports.js';
import { Rng } from './rng.js';
import { type ParamShape, Space, type SpaceValues } from './space.js';
import { OptimizationStore } from './store.js';

/** What an objective returns: the target `y`, or an object holding it (stored whole as `ys`). */
export type ObjectiveResult = number | ({ y: number } & Record<string, unknown>);

/** What {@link optimize} passes to the objective with each configuration. */
export interface ObjectiveContext {
  /**
   * Records an intermediate value on the running task, visible to every participant: the task's
   * field `report` holds the evaluation's reports so far, `[{ step, value }, ...]` (read it with
   * `readHash(key, ['report'])`, or `fields: [..., 'report']` in the fetch methods). Resolves
   * to true when the optimizer asks the evaluation to stop early: then return the current value
   * (the task's `ys_extra.stopped_at_step` records the step). Only `asha({ ..., stopping: true })`
   * asks, with `step` in units of its budget parameter; the others always resolve to false.
   * Never throws: a report without a finite number `step` and a number `value` is ignored
   * (false, with one warning), a failed write is logged (false).
   */
  report(step: number, value: number): Promise<boolean>;
  /** Aborts when the `signal` given to `optimize` aborts. */
  signal: AbortSignal;
  /** The key of the evaluation's task. */
  key: string;
}

/**
 * The function under optimization: evaluates one configuration of the space and returns the
 * target (or an object holding `y`), at once or as a promise. A throw (or rejection) fails the
 * evaluation's task and the loop goes on.
 */
export type Objective<S extends ParamShape> = (
  xs: SpaceValues<S>,
  context: ObjectiveContext,
) => ObjectiveResult | Promise<ObjectiveResult>;

/**
 * When the network's optimization stops: after `evaluations`, after `seconds`, or at whichever
 * comes first. At least one is required.
 */
export interface OptimizeBudget {
  /** Evaluations of the whole network, failed ones included (at most one per worker beyond). */
  evaluations?: number;
  /** Seconds from the network's first `optimize` call (Redis server clock). */
  seconds?: number;
}

/** Options of {@link optimize}. Unknown options are a RushInputError. */
export interface OptimizeOptions<S extends ParamShape> {
  /** The search space, made by `space({...})`. */
  space: Space<S>;
  /** The function to optimize. */
  objective: Objective<S>;
  /** The optimizer, e.g. `randomSearch()`, `asha({...})` or `adbo()`. */
  optimizer: Optimizer;
  /** When to stop, shared by the whole network. */
  budget: OptimizeBudget;
  /** Lower `y` is better; `false` maximizes. @default true */
  minimize?: boolean;
  /**
   * The initial design: a number of Latin hypercube points, or the configurations themselves.
   * The first participant to arrive pushes it to the queue (once per network); every participant
   * evaluates queued points before proposing. @default 0
   */
  initialDesign?: number | SpaceValues<S>[];
  /** Seed of this participant's random stream (each participant adds its arrival number). */
  seed?: number | string;
  /** Stops the loop and aborts the running evaluation's signal. */
  signal?: AbortSignal;
}

const OPTION_NAMES = [
  'space',
  'objective',
  'optimizer',
  'budget',
  'minimize',
  'initialDesign',
  'seed',
  'signal',
];
/** How long a participant waits for the design that another one claimed (ms). */
const DESIGN_WAIT_MS = 10_000;

/** Runs the optimization loop on this participant; returns the best evaluation it saw. */
export async function optimize<S extends ParamShape>(
  rush: Rush,
  options: OptimizeOptions<S>,
): Promise<TaskRow | undefined> {
  const participant = asParticipant(rush);
  const o = checkOptimizeOptions(options);
  const { space, optimizer, minimize } = o;
  const store = new OptimizationStore(rush);
  const proposer = participant.workerId ?? `manager-${randomUUID()}`;
  const { startedAt, arrival } = await store.start();
  const deadline = o.budget.seconds === undefined ? Infinity : startedAt + o.budget.seconds * 1000;
  const rng = new Rng(o.seed === undefined ? undefined : `${o.seed}:${arrival}`);
  const logger = rush.logger;
  const instance: OptimizerInstance<S> = optimizer.start({
    rush,
    space,
    rng,
    store,
    proposer,
    logger,
  });
  const toLoss = (y: number) => (minimize ? y : -y);
  let badReportWarned = false;
  const warnBadReport = (key: string, step: unknown, value: unknown) => {
    if (badReportWarned) return;
    badReportWarned = true;
    logger.warn(
      { key, step: describeValue(step), value: describeValue(value) },
      'optimize: report(step, value) needs a finite number step and a number value; ignored (warned once)',
    );
  };

  let best = undefined as { row: TaskRow; loss: number } | undefined;
  const learn = async () => {
    const rows = await rush.fetchNewTasks({ fields: ['xs_extra', 'xs', 'ys', 'worker_id'] });
    const evaluations: Evaluation[] = [];
    for (const row of rows) {
      const y = row.y;
      if (typeof y !== 'number' || Number.isNaN(y) || !space.contains(row)) continue;
      const loss = toLoss(y);
      const xs: Record<string, unknown> = {};
      for (const name of space.names) xs[name] = row[name];
      evaluations.push({ key: row.key, xs, loss, row });
      if (!best || loss < best.loss) best = { row: { ...row }, loss };
    }
    if (evaluations.length > 0) instance.observe(evaluations);
  };
  const stopped = () =>
    o.signal?.aborted === true || participant.terminated === true || store.serverNow() >= deadline;

  const designSize = Array.isArray(o.initialDesign) ? o.initialDesign.length : o.initialDesign;
  let designLeft = designSize > 0 && (await pushDesign());
  async function pushDesign(): Promise<boolean> {
    if (await store.claim('design', proposer)) {
      const n = Math.min(designSize, o.budget.evaluations ?? Infinity);
      const configurations = Array.isArray(o.initialDesign)
        ? o.initialDesign.slice(0, n)
        : initialDesign(space, n, rng);
      const points = configurations.map(
        (xs): Proposal<S> => instance.fromDesign?.(xs) ?? { xs, extra: {} },
      );
      await rush.pushTasks(
        points.map((p) => p.xs),
        {
          xssExtra: points.map((p) => ({
            optimizer: optimizer.name,
            stage: 'initial_design',
            ...p.extra,
          })),
        },
      );
      await store.set('design_pushed', proposer);
      return true;
    }
    // Another participant claimed it: wait until its points are in the queue.
    const until = Date.now() + DESIGN_WAIT_MS;
    while ((await store.get('design_pushed')) === null && Date.now() < until && !stopped()) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  // The previous evaluation's finish (or fail), still in flight: it travels with the next round
  // of learning, counting and the optimizer's prefetch, so that between two evaluations a
  // participant waits for two round trips (this one, and creating the next task).
  let settling: Promise<unknown> = Promise.resolve();
  try {
    await loop();
  } finally {
    await settling;
  }
  await learn();
  return best?.row;

  async function loop(): Promise<void> {
    while (!stopped()) {
      let key: string;
      let xs: SpaceValues<S>;
      let counted: number | undefined;
      if (designLeft) await Promise.all([settling, learn()]);
      else {
        const prefetch = instance.prefetch?.();
        [, , counted] = await Promise.all([settling, learn(), store.countEvaluation(), prefetch]);
      }
      const popped = designLeft
        ? await rush.popTask({ timeout: 0, fields: ['xs', 'xs_extra'] })
        : null;
      if (popped) {
        // Counted like every evaluation; already taken, so it runs even past the budget (at most
        // one per participant, as the budget promises).
        await store.countEvaluation();
        key = popped.key;
        try {
          xs = space.validate(popped.xs, 'xs');
        } catch (error) {
          await rush.failTasks([key], { conditions: [conditionOf(error)] });
          continue;
        }
      } else {
        designLeft = false;
        const count = counted ?? (await store.countEvaluation());
        if (o.budget.evaluations !== undefined && count > o.budget.evaluations) break;
        const proposal = await instance.propose();
        xs = space.validate(proposal.xs, 'proposal');
        [key] = (await rush.pushRunningTasks([xs], {
          xssExtra: [{ optimizer: optimizer.name, ...proposal.extra }],
        })) as [string];
      }
      settling = (await evaluate(key, xs, toLoss)).settled;
    }
  }

  async function evaluate(
    key: string,
    xs: SpaceValues<S>,
    toLossOf: (y: number) => number,
  ): Promise<{ settled: Promise<unknown> }> {
    const controller = new AbortController();
    const abort = () => controller.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', abort, { once: true });
    const reports = new Reports(key, xs, rush, instance, toLossOf, warnBadReport);
    try {
      const result = await o.objective(xs, {
        report: (step, value) => reports.report(step, value),
        signal: controller.signal,
        key,
      });
      const stop = reports.stoppedAt;
      const extra = stop === undefined ? undefined : { yssExtra: [{ stopped_at_step: stop }] };
      return { settled: rush.finishTasks([key], [toYs(result)], extra) };
    } catch (error) {
      logger.warn(
        { key, err: String(error) },
        'optimize: the objective failed; its task is failed',
      );
      return { settled: rush.failTasks([key], { conditions: [conditionOf(error)] }) };
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }
  }
}

/** The task's `ys` for what the objective returned; anything without a numeric y throws. */
function toYs(result: unknown): Record<string, unknown> {
  if (typeof result === 'number' && !Number.isNaN(result)) return { y: result };
  if (isPlainObject(result) && typeof result.y === 'number' && !Number.isNaN(result.y))
    return result;
  throw new TypeError(
    `the objective must return a number or an object with a numeric y, got ${describeValue(result)}`,
  );
}

/** The condition of a failed evaluation: the error's message, name and stack (capped). */
function conditionOf(error: unknown): { message: string; name?: string; stack?: string } {
  if (error instanceof Error) {
    return { message: error.message, name: error.name, stack: error.stack?.slice(0, 4096) };
  }
  return { message: String(error) };
}

interface CheckedOptions<S extends ParamShape> extends OptimizeOptions<S> {
  minimize: boolean;
  initialDesign: number | SpaceValues<S>[];
}

function checkOptimizeOptions<S extends ParamShape>(
  options: OptimizeOptions<S>,
): CheckedOptions<S> {
  if (!isPlainObject(options))
    throw new RushInputError('options', `must be an options object, got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new RushInputError(
        `options.${key}`,
        `is not a known option (known: ${OPTION_NAMES.join(', ')})`,
      );
    }
  }
  const { space, objective, optimizer, budget } = options;
  if (!(space instanceof Space))
    throw new RushInputError('space', `must be made by space({...}), got ${describeValue(space)}`);
  if (typeof objective !== 'function')
    throw new RushInputError('objective', `must be a function, got ${describeValue(objective)}`);
  if (
    !isPlainObject(optimizer) ||
    typeof optimizer.name !== 'string' ||
    typeof optimizer.start !== 'function'
  ) {
    throw new RushInputError(
      'optimizer',
      `must be made by randomSearch(), asha() or adbo(), got ${describeValue(optimizer)}`,
    );
  }
  optimizer.check?.(space);
  if (!isPlainObject(budget))
    throw new RushInputError(
      'budget',
      `must be { evaluations?, seconds? }, got ${describeValue(budget)}`,
    );
  for (const key of Object.keys(budget)) {
    if (key !== 'evaluations' && key !== 'seconds')
      throw new RushInputError(
        `budget.${key}`,
        'is not a known budget (known: evaluations, seconds)',
      );
  }
  const { evaluations, seconds } = budget;
  if (evaluations === undefined && seconds === undefined) {
    throw new RushInputError('budget', 'needs evaluations or seconds (or both)');
  }
  if (
    evaluations !== undefined &&
    (typeof evaluations !== 'number' || !Number.isInteger(evaluations) || evaluations < 1)
  ) {
    throw new RushInputError(
      'budget.evaluations',
      `must be a positive integer, got ${describeValue(evaluations)}`,
    );
  }
  if (seconds !== undefined && (typeof seconds !== 'number' || !(seconds > 0))) {
    throw new RushInputError(
      'budget.seconds',
      `must be a positive number of seconds, got ${describeValue(seconds)}`,
    );
  }
  const minimize = options.minimize ?? true;
  if (typeof minimize !== 'boolean')
    throw new RushInputError('minimize', `must be true or false, got ${describeValue(minimize)}`);
  const design = options.initialDesign ?? 0;
  if (Array.isArray(design)) {
    for (const [i, xs] of design.entries()) space.validate(xs, `initialDesign[${i}]`);
  } else if (typeof design !== 'number' || !Number.isInteger(design) || design < 0) {
    throw new RushInputError(
      'initialDesign',
      `must be a number of points (an integer >= 0) or an array of configurations, got ${describeValue(design)}`,
    );
  }
  if (
    options.seed !== undefined &&
    typeof options.seed !== 'number' &&
    typeof options.seed !== 'string'
  ) {
    throw new RushInputError(
      'seed',
      `must be a number or a string, got ${describeValue(options.seed)}`,
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new RushInputError(
      'signal',
      `must be an AbortSignal, got ${describeValue(options.signal)}`,
    );
  }
  return { ...options, minimize, initialDesign: design };
}
