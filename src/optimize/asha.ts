/**
 * ASHA, asynchronous successive halving, decentralized. Rung k evaluates a configuration at the
 * budget `min · eta^k` (up to `max`), stored in `xs[budget]`. A free worker looks at the rungs
 * from the top down and promotes a configuration that is among the best ⌊n_k / eta⌋ of the n_k
 * results of its rung and not yet promoted; if there is none, it samples a new configuration at
 * rung 0. Nobody waits for a rung to fill. A promotion is claimed in the network's optimization
 * hash (HSETNX: first writer wins), so two workers never promote the same configuration.
 * With `stopping: true`, the other variant: every configuration runs at the largest budget and
 * stops early at a rung where it is not among the best 1/eta (the objective's `report`), the
 * rule of ./stopping.ts.
 */
import { randomUUID } from 'node:crypto';
import { describeValue, RushInputError } from '../errors.js';
import type { Evaluation, Optimizer, OptimizerContext, Proposal } from './optimizer.js';
import type { ParamShape, Space, SpaceValues } from './space.js';
import { encodeEntry, promotable, RungRecords } from './stopping.js';

export { promotable };

/** Options of {@link asha}. Budgets are in the units of the `budget` parameter. */
export interface AshaOptions {
  /** Name of the space's int or float parameter that holds the budget. */
  budget: string;
  /** Budget of rung 0. */
  min: number;
  /** Largest budget: the top rung is the last `min · eta^k` that does not exceed it. */
  max: number;
  /** Reduction factor: the best 1/eta of a rung move up, with eta times the budget. @default 3 */
  eta?: number;
  /**
   * The stopping variant: every configuration is evaluated once with the budget `max`, and the
   * objective's `report(step, value)` (step in units of the budget) resolves to true when the
   * evaluation reaches a rung `min · eta^k` and is not among the best 1/eta of the evaluations
   * that reached it (see docs/optimization.md, "Early stopping"). Without it, ASHA promotes, and
   * `report` only records. @default false
   */
  stopping?: boolean;
}

/** Budgets of the rungs: `min · eta^k` for k = 0, 1, … while at most `max` (rounded for ints). */
export function rungBudgets(min: number, max: number, eta: number, integer = false): number[] {
  const budgets: number[] = [];
  for (let b = min; b <= max * (1 + 1e-9); b *= eta) {
    budgets.push(integer ? Math.round(b) : b);
    if (budgets.length > 1000) break;
  }
  return budgets;
}

/** The claim field of a configuration's promotion out of a rung. */
export const promotionField = (configId: string, rung: number) => `promoted:${configId}:${rung}`;

interface RungResult {
  key: string;
  configId: string;
  loss: number;
  xs: Record<string, unknown>;
}

/**
 * ASHA, asynchronous successive halving: rung k evaluates at the budget `min · eta^k`, and a
 * free worker promotes a configuration among the best 1/eta of a rung (claimed in Redis, first
 * writer wins) or else samples a new one on rung 0. With `stopping: true`, every configuration
 * runs at `max` instead and the objective's `report(step, value)` resolves to true when it falls
 * out of the best 1/eta at a rung (docs/optimization.md, "Early stopping"):
 *
 * ```ts
 * objective: async ({ lr, epochs }, { report }) => {
 *   let loss = Number.POSITIVE_INFINITY;
 *   for (let epoch = 1; epoch <= epochs; epoch++) {
 *     loss = trainOneEpochAndValidate(lr);
 *     if (await report(epoch, loss)) break; // stopped early: return the current value
 *   }
 *   return loss;
 * }
 * ```
 *
 * Checks `options` at once, and the budget parameter against the space when `optimize` starts
 * (RushInputError).
 */
export function asha(options: AshaOptions): Optimizer {
  if (typeof options !== 'object' || options === null) {
    throw new RushInputError(
      'options',
      `must be { budget, min, max, eta?, stopping? }, got ${describeValue(options)}`,
    );
  }
  const { budget, min, max } = options;
  const eta = options.eta ?? 3;
  const stopping = options.stopping ?? false;
  if (typeof stopping !== 'boolean') {
    throw new RushInputError('stopping', `must be true or false, got ${describeValue(stopping)}`);
  }
  if (typeof budget !== 'string' || budget === '') {
    throw new RushInputError(
      'budget',
      `must name a parameter of the space, got ${describeValue(budget)}`,
    );
  }
  for (const [name, v] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new RushInputError(name, `must be a positive number, got ${describeValue(v)}`);
    }
  }
  if (!(min <= max)) throw new RushInputError('max', `must be at least min (${min}), got ${max}`);
  if (typeof eta !== 'number' || !Number.isFinite(eta) || eta <= 1) {
    throw new RushInputError('eta', `must be a number above 1, got ${describeValue(eta)}`);
  }
  return {
    name: 'asha',
    check(space: Space) {
      const p = space.params[budget];
      if (!p || p.kind === 'choice') {
        throw new RushInputError(
          'budget',
          `must name an int or float parameter of the space, got "${budget}"`,
        );
      }
      if (min < p.lo || max > p.hi) {
        throw new RushInputError(
          'budget',
          `"${budget}" is [${p.lo}, ${p.hi}] in the space, which must hold [min, max] = [${min}, ${max}]`,
        );
      }
      if (
        p.kind === 'int' &&
        rungBudgets(min, max, eta).some((b) => Math.abs(b - Math.round(b)) > 1e-9)
      ) {
        throw new RushInputError(
          'budget',
          `"${budget}" is an int parameter, but min · eta^k is not always an integer`,
        );
      }
      if (stopping && p.kind === 'int' && !Number.isInteger(max)) {
        throw new RushInputError(
          'max',
          `must be an integer: "${budget}" is an int parameter and every evaluation runs at max, got ${max}`,
        );
      }
    },
    start: <S extends ParamShape>(context: OptimizerContext<S>) =>
      stopping
        ? new AshaStopper<S>(context, budget, rungBudgets(min, max, eta), eta, max)
        : new AshaWorker<S>(context, budget, rungBudgets(min, max, eta, true), eta),
  };
}

class AshaWorker<S extends ParamShape> {
  /** Results by rung. */
  readonly #rungs: RungResult[][];
  /** Promotions known to be taken: `configId:rung`. */
  readonly #promoted = new Set<string>();

  constructor(
    private readonly context: OptimizerContext<S>,
    private readonly budget: string,
    readonly budgets: number[],
    private readonly eta: number,
  ) {
    this.#rungs = budgets.map(() => []);
  }

  observe(evaluations: readonly Evaluation[]): void {
    for (const e of evaluations) {
      const rung = e.row.rung;
      const configId = e.row.config_id;
      if (e.row.optimizer !== 'asha' || typeof rung !== 'number' || typeof configId !== 'string')
        continue;
      if (!Number.isFinite(e.loss) || !this.#rungs[rung]) continue;
      this.#rungs[rung].push({ key: e.key, configId, loss: e.loss, xs: e.xs });
      if (rung > 0) this.#promoted.add(`${configId}:${rung - 1}`);
    }
  }

  /** A new configuration at rung 0 (also what a design point becomes). */
  fromDesign(xs: SpaceValues<S>): Proposal<S> {
    return {
      xs: { ...xs, [this.budget]: this.budgets[0] },
      extra: { stage: 'asha', rung: 0, config_id: randomUUID() },
    };
  }

  async propose(): Promise<Proposal<S>> {
    for (let k = this.budgets.length - 2; k >= 0; k--) {
      const rung = this.#rungs[k]!;
      const ranked = rung.slice().sort((a, b) => a.loss - b.loss);
      for (const r of ranked.slice(0, promotable(rung.length, this.eta))) {
        const id = `${r.configId}:${k}`;
        if (this.#promoted.has(id)) continue;
        this.#promoted.add(id);
        if (!(await this.context.store.claim(promotionField(r.configId, k), this.context.proposer)))
          continue;
        return {
          xs: { ...r.xs, [this.budget]: this.budgets[k + 1] } as SpaceValues<S>,
          extra: { stage: 'asha', rung: k + 1, config_id: r.configId, promoted_from: r.key },
        };
      }
    }
    return this.fromDesign(this.context.space.sample(this.context.rng));
  }
}

/**
 * ASHA's stopping variant on one participant: new configurations at the budget `max`; a report
 * that reaches a rung records the loss in the network's list of that rung and reads what others
 * recorded there since this participant last looked (one MULTI), then applies the rule.
 */
class AshaStopper<S extends ParamShape> {
  readonly #rungs: RungRecords;

  constructor(
    private readonly context: OptimizerContext<S>,
    private readonly budget: string,
    budgets: number[],
    private readonly eta: number,
    private readonly max: number,
  ) {
    this.#rungs = new RungRecords(budgets);
  }

  observe(evaluations: readonly Evaluation[]): void {
    for (const e of evaluations) this.#rungs.forget(e.key);
  }

  fromDesign(xs: SpaceValues<S>): Proposal<S> {
    return { xs: { ...xs, [this.budget]: this.max }, extra: { stage: 'asha_stopping' } };
  }

  propose(): Proposal<S> {
    return this.fromDesign(this.context.space.sample(this.context.rng));
  }

  async shouldStop(
    key: string,
    step: number,
    loss: number,
    xs: Readonly<Record<string, unknown>>,
  ): Promise<boolean> {
    const own = typeof xs[this.budget] === 'number' ? (xs[this.budget] as number) : this.max;
    const rungs = this.#rungs.reach(key, step, own);
    if (rungs.length === 0) return false;
    const from = rungs.map((k) => this.#rungs.seen(k));
    const read = await this.context.store.recordAtRungs(rungs, encodeEntry(loss, key), from);
    for (const [i, k] of rungs.entries()) this.#rungs.add(k, from[i]!, read[i] ?? []);
    return !this.#rungs.continues(loss, rungs, this.eta);
  }
}
