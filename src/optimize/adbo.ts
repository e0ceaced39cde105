/**
 * ADBO, asynchronous decentralized Bayesian optimization: every worker fits its own Gaussian
 * process on the network's finished evaluations and proposes the point of lowest confidence
 * bound `mean − λ·sd` among random and local candidates. Each worker draws its weight λ₀ once
 * from an exponential distribution (mean `lambda`), so the workers explore to different degrees
 * without talking to each other; λ decays within a period of proposals and starts again. The
 * other workers' running evaluations enter the model as pending points with their predicted mean
 * (a "kriging believer"): the uncertainty there drops, so workers do not crowd one region. A share
 * of proposals is uniform at random. The training set is capped, so a proposal's cost stays
 * bounded however long the run.
 */
import { RushInputError } from '../errors.js';
import { GaussianProcess, type GpHyper } from './gp.js';
import type { Evaluation, Optimizer, OptimizerContext, Proposal } from './optimizer.js';
import type { Rng } from './rng.js';
import type { ParamShape, SpaceValues } from './space.js';

/** Options of {@link adbo}; every one has a default. */
export interface AdboOptions {
  /** Mean of the exponential distribution each worker draws its λ₀ from. @default 1.96 */
  lambda?: number;
  /** λ = λ₀·exp(−rate·(t mod period)), t counting this worker's proposals; `false` keeps λ₀. @default { rate: 0.1, period: 25 } */
  decay?: { rate: number; period: number } | false;
  /** Share of proposals drawn uniformly at random. @default 0.1 */
  randomFraction?: number;
  /** Random candidates scored per proposal (as many again near the best points). @default 300 */
  candidates?: number;
  /** Most evaluations the surrogate is fitted on (the best, the newest, and a random rest), pending points included. @default 100 */
  maxPoints?: number;
  /** Finished evaluations before the first model-based proposal. @default dimension + 3 */
  minPoints?: number;
  /** Use the network's running evaluations as pending points. @default true */
  pending?: boolean;
}

const OPTION_NAMES = [
  'lambda',
  'decay',
  'randomFraction',
  'candidates',
  'maxPoints',
  'minPoints',
  'pending',
];
/** Refit the kernel's hyperparameters every this many fits (in between, reuse them). */
const HYPER_EVERY = 10;
/** Pending points taken into the model at most (the newest). */
const MAX_PENDING = 32;

/**
 * ADBO, asynchronous decentralized Bayesian optimization: each worker fits its own Gaussian
 * process to the network's finished evaluations and proposes the candidate of lowest confidence
 * bound `mean − λ·sd`. Checks `options` at once (RushInputError).
 */
export function adbo(options: AdboOptions = {}): Optimizer {
  const o = checkAdboOptions(options);
  return {
    name: 'adbo',
    start: <S extends ParamShape>(context: OptimizerContext<S>) => new AdboWorker<S>(context, o),
  };
}

type Settings = Required<Omit<AdboOptions, 'minPoints'>> & { minPoints?: number };

function checkAdboOptions(options: AdboOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new RushInputError('options', 'must be an options object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new RushInputError(
        `options.${key}`,
        `is not a known option (known: ${OPTION_NAMES.join(', ')})`,
      );
    }
  }
  const positive = (name: string, v: unknown, integer = false) => {
    if (
      typeof v !== 'number' ||
      !(v > 0) ||
      !Number.isFinite(v) ||
      (integer && !Number.isInteger(v))
    ) {
      throw new RushInputError(
        name,
        `must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`,
      );
    }
    return v;
  };
  const s: Settings = {
    lambda: positive('lambda', options.lambda ?? 1.96),
    decay: options.decay ?? { rate: 0.1, period: 25 },
    randomFraction: options.randomFraction ?? 0.1,
    candidates: positive('candidates', options.candidates ?? 300, true),
    maxPoints: positive('maxPoints', options.maxPoints ?? 100, true),
    minPoints:
      options.minPoints === undefined ? undefined : positive('minPoints', options.minPoints, true),
    pending: options.pending ?? true,
  };
  if (s.decay !== false) {
    positive('decay.rate', s.decay.rate);
    positive('decay.period', s.decay.period, true);
  }
  if (typeof s.randomFraction !== 'number' || !(s.randomFraction >= 0 && s.randomFraction <= 1)) {
    throw new RushInputError(
      'randomFraction',
      `must be a number in [0, 1], got ${String(s.randomFraction)}`,
    );
  }
  if (typeof s.pending !== 'boolean') throw new RushInputError('pending', 'must be true or false');
  if (s.maxPoints < 4) throw new RushInputError('maxPoints', 'must be at least 4');
  return s;
}

/** λ for the t-th proposal (t from 0) of a worker that drew λ₀. */
export function lambdaAt(lambda0: number, t: number, decay: Settings['decay']): number {
  return decay === false ? lambda0 : lambda0 * Math.exp(-decay.rate * (t % decay.period));
}

/** The lower confidence bound that ADBO minimizes. */
export function lowerConfidenceBound(mean: number, sd: number, lambda: number): number {
  return mean - lambda * sd;
}

/** Indices of the training set: all when at most `cap`, else the best, the newest and random others. */
export function selectTraining(losses: ArrayLike<number>, cap: number, rng: Rng): number[] {
  const n = losses.length;
  if (n <= cap) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  const byLoss = Array.from({ length: n }, (_, i) => i).sort((a, b) => losses[a]! - losses[b]!);
  for (const i of byLoss.slice(0, Math.floor(cap / 4))) chosen.add(i);
  for (let i = n - 1; i >= 0 && chosen.size < Math.floor(cap / 2); i--) chosen.add(i);
  while (chosen.size < cap) chosen.add(rng.int(n));
  return [...chosen];
}

class AdboWorker<S extends ParamShape> {
  readonly #c: OptimizerContext<S>;
  readonly #o: Settings;
  readonly #lambda0: number;
  readonly #x: Float64Array[] = [];
  readonly #xs: SpaceValues<S>[] = [];
  readonly #loss: number[] = [];
  readonly #gp = new GaussianProcess();
  #hyper: GpHyper | undefined;
  #fits = 0;
  #t = 0;
  /** Pending points being read by `prefetch`, for the next proposal. */
  #pending: Promise<Float64Array[]> | undefined;

  constructor(context: OptimizerContext<S>, settings: Settings) {
    this.#c = context;
    this.#o = settings;
    this.#lambda0 = context.rng.exponential(settings.lambda);
  }

  observe(evaluations: readonly Evaluation[]): void {
    for (const e of evaluations) {
      if (!Number.isFinite(e.loss) || !this.#c.space.contains(e.xs)) continue;
      const xs = e.xs as SpaceValues<S>;
      this.#xs.push(xs);
      this.#x.push(this.#c.space.encode(xs));
      this.#loss.push(e.loss);
    }
  }

  prefetch(): void {
    if (!this.#o.pending) return;
    // A failed read is the proposal's to report (it falls back to a random one).
    this.#pending = this.#pendingPoints();
    this.#pending.catch(() => undefined);
  }

  async propose(): Promise<Proposal<S>> {
    const { space, rng } = this.#c;
    const prefetched = this.#pending;
    this.#pending = undefined;
    const t = this.#t++;
    const lambda = lambdaAt(this.#lambda0, t, this.#o.decay);
    const minPoints = this.#o.minPoints ?? space.dim + 3;
    if (this.#loss.length < minPoints || rng.next() < this.#o.randomFraction) {
      return { xs: space.sample(rng), extra: { stage: 'random', lambda_0: this.#lambda0 } };
    }
    try {
      const pending = this.#o.pending ? await (prefetched ?? this.#pendingPoints()) : [];
      return this.#modelProposal(lambda, pending);
    } catch (error) {
      this.#c.logger.warn(
        { err: String(error) },
        'adbo: the surrogate failed; proposing at random',
      );
      return {
        xs: space.sample(rng),
        extra: { stage: 'random_fallback', lambda_0: this.#lambda0 },
      };
    }
  }

  /** Encoded inputs of the network's running evaluations (the newest `MAX_PENDING`). */
  async #pendingPoints(): Promise<Float64Array[]> {
    const rows = await this.#c.rush.fetchRunningTasks({ fields: ['xs'] });
    const points: Float64Array[] = [];
    for (const row of rows.slice(-MAX_PENDING)) {
      if (this.#c.space.contains(row)) points.push(this.#c.space.encode(row as SpaceValues<S>));
    }
    return points;
  }

  #modelProposal(lambda: number, pending: Float64Array[]): Proposal<S> {
    const { space, rng } = this.#c;
    const cap = Math.max(4, this.#o.maxPoints - Math.min(pending.length, this.#o.maxPoints >> 2));
    const chosen = selectTraining(this.#loss, cap, rng);
    const x = chosen.map((i) => this.#x[i]!);
    const y = chosen.map((i) => this.#loss[i]!);
    const refit = this.#hyper === undefined || this.#fits++ % HYPER_EVERY === 0;
    this.#gp.fit(x, y, refit ? undefined : this.#hyper);
    this.#hyper = this.#gp.hyper;
    const believed = pending.slice(0, this.#o.maxPoints - x.length);
    if (believed.length > 0) {
      // Pending points as if observed at their predicted mean: the mean stays, the sd drops there.
      const yp = believed.map((p) => this.#gp.predict(p).mean);
      this.#gp.fit([...x, ...believed], [...y, ...yp], this.#hyper);
    }
    // Candidates: uniform ones, and as many near the best points seen.
    const best = chosen
      .slice()
      .sort((a, b) => this.#loss[a]! - this.#loss[b]!)
      .slice(0, 5);
    let top = { xs: space.sample(rng), acq: Number.POSITIVE_INFINITY, mean: 0, sd: 0 };
    const score = (xs: SpaceValues<S>) => {
      const { mean, sd } = this.#gp.predict(space.encode(xs));
      const acq = lowerConfidenceBound(mean, sd, lambda);
      if (acq < top.acq) top = { xs, acq, mean, sd };
    };
    const n = this.#o.candidates;
    for (let i = 0; i < n; i++) score(space.sample(rng));
    for (let i = 0; i < n; i++) {
      const around = this.#xs[best[i % best.length]!]!;
      score(space.neighbour(around, rng, i % 2 === 0 ? 0.1 : 0.02));
    }
    // A last local step around the winner.
    const winner = top.xs;
    for (let i = 0; i < 50; i++) score(space.neighbour(winner, rng, 0.01));
    return {
      xs: top.xs,
      extra: {
        stage: 'mbo',
        lambda_0: this.#lambda0,
        lambda,
        acq_lcb: top.acq,
        surrogate_mean: top.mean,
        surrogate_sd: top.sd,
        n_train: x.length,
        n_pending: believed.length,
      },
    };
  }
}
