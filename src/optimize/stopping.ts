/**
 * ASHA's stopping rule (the "stopping" variant of asynchronous successive halving, as Optuna's
 * SuccessiveHalvingPruner and Ray Tune's ASHA scheduler run it): an evaluation that reports at
 * a step reaching rung k (budget `min · eta^k`, below its own budget) records its loss in the
 * network's list of rung k and continues only if that loss is among the best ⌊n / eta⌋ of the
 * n losses the list holds, its own included. Cold start: while fewer than eta evaluations have
 * reached the rung, every one continues (as a promotion needs eta results). The lists live in
 * Redis (see OptimizationStore.recordAtRungs); this module is the arithmetic, kept pure so it
 * can be tested without Redis. docs/optimization.md, "Early stopping".
 */

/** How many results of a rung of `n` may move up (or go on): ⌊n / eta⌋. */
export function promotable(n: number, eta: number): number {
  return Math.floor(n / eta + 1e-9);
}

/** A loss as the rule ranks it: NaN (a diverged run) is the worst. */
export function rankable(loss: number): number {
  return Number.isNaN(loss) ? Number.POSITIVE_INFINITY : loss;
}

/**
 * The rungs a report at `step` reaches that the evaluation has not recorded yet: every k above
 * `recorded` with `budgets[k] <= step` and `budgets[k] < own` (the evaluation's own budget: at
 * its end there is nothing left to save).
 */
export function rungsReached(
  budgets: readonly number[],
  step: number,
  own: number,
  recorded: number,
): number[] {
  const rungs: number[] = [];
  for (let k = recorded + 1; k < budgets.length; k++) {
    const b = budgets[k]!;
    if (b > step * (1 + 1e-12) || b >= own * (1 - 1e-12)) break;
    rungs.push(k);
  }
  return rungs;
}

/**
 * Whether an evaluation with `loss` goes on at a rung whose recorded losses (its own included)
 * are `losses`. Cold start: with fewer than eta losses, yes. Then yes only if the loss is among
 * the best ⌊n / eta⌋ (ties with the last of them go on).
 */
export function continuesAtRung(loss: number, losses: readonly number[], eta: number): boolean {
  return continuesInSorted(
    loss,
    losses.map(rankable).sort((a, b) => a - b),
    eta,
  );
}

/** {@link continuesAtRung} over the rung's losses sorted ascending (NaN as Infinity). */
function continuesInSorted(loss: number, sorted: readonly number[], eta: number): boolean {
  const n = sorted.length;
  if (n < eta - 1e-9) return true;
  return rankable(loss) <= sorted[promotable(n, eta) - 1]!;
}

/** Inserts `value` into the ascending array `sorted`, after its equals. */
function insertSorted(sorted: number[], value: number): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, value);
}

/**
 * One participant's view of the network's rung lists: the losses read so far per rung (each
 * read fetches only the entries past them), kept sorted so that a decision costs a look-up, and
 * per evaluation running here, the highest rung it recorded at.
 */
export class RungRecords {
  /** Losses of each rung read so far, ascending (NaN as Infinity). */
  readonly #sorted: number[][];
  readonly #recorded = new Map<string, number>();

  constructor(readonly budgets: readonly number[]) {
    this.#sorted = budgets.map(() => []);
  }

  /** The rungs a report of `key` at `step` reaches for the first time, marked as recorded. */
  reach(key: string, step: number, own: number): number[] {
    const rungs = rungsReached(this.budgets, step, own, this.#recorded.get(key) ?? -1);
    if (rungs.length > 0) this.#recorded.set(key, rungs[rungs.length - 1]!);
    return rungs;
  }

  /** Forgets an evaluation that ended. */
  forget(key: string): void {
    this.#recorded.delete(key);
  }

  /** How many losses of `rung` this participant has read (where the next read starts). */
  seen(rung: number): number {
    return this.#sorted[rung]!.length;
  }

  /**
   * Adds the entries read from a rung's list (each "loss key") from position `from` on, but
   * those this participant already holds (two reads that overlapped).
   */
  add(rung: number, from: number, entries: readonly string[]): void {
    const sorted = this.#sorted[rung]!;
    for (let i = sorted.length - from; i < entries.length; i++) {
      insertSorted(sorted, decodeEntry(entries[i]!));
    }
  }

  /** Whether `loss` goes on at every rung of `rungs` (each read up to this evaluation's entry). */
  continues(loss: number, rungs: readonly number[], eta: number): boolean {
    return rungs.every((k) => continuesInSorted(loss, this.#sorted[k]!, eta));
  }
}

/** A rung list's entry: the loss, a space, the evaluation's key (for people reading Redis). */
export const encodeEntry = (loss: number, key: string) => `${rankable(loss)} ${key}`;

function decodeEntry(entry: string): number {
  const space = entry.indexOf(' ');
  const loss = Number(space < 0 ? entry : entry.slice(0, space));
  return Number.isNaN(loss) ? Number.POSITIVE_INFINITY : loss;
}
