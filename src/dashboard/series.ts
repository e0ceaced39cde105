/**
 * Downsampled series for the dashboard's charts: a numeric result column in finish order kept
 * as at most MAX_BUCKETS min/max buckets, and a timeline of sampled counts. Both grow by
 * appending, so a client that has part of a series only needs what came after it; when a
 * series is compacted its `version` changes and clients take it whole again.
 */

/** Buckets of a result series: a chart shows at most twice this many points. */
export const MAX_BUCKETS = 2000;
/** Samples a timeline keeps before it halves its resolution. */
export const MAX_SAMPLES = 2000;

/** Versions come from one counter, so a series rebuilt from scratch never reuses one. */
let versions = 0;
export const nextVersion = (): number => ++versions;

/** The task that holds the best value so far in one direction. */
export interface BestPoint {
  /** 1-based position in finish order (the x of the result chart). */
  index: number;
  value: number;
  key: string;
  /** A few other columns of the row, for people ("x1=1.2, x2=3.4"). */
  row: Record<string, string | number | boolean | null>;
}

/** A row's own properties that say how a task ran, not what it was. */
export const BOOKKEEPING: ReadonlySet<string> = new Set([
  'key',
  'worker_id',
  'condition',
  'created_at',
  'started_at',
  'finished_at',
  'tries',
]);

/** Columns of a row that say what the task was, without the bookkeeping ones. */
function describeRow(row: Record<string, unknown>, column: string): BestPoint['row'] {
  const out: BestPoint['row'] = {};
  let n = 0;
  for (const [name, value] of Object.entries(row)) {
    if (name === column || BOOKKEEPING.has(name)) continue;
    if (value !== null && typeof value === 'object') continue;
    if (typeof value === 'string') out[name] = value.slice(0, 80);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null)
      out[name] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
    else continue;
    if (++n >= 8) break;
  }
  return out;
}

/**
 * One numeric column of the finished tasks. Evaluation i (0-based) falls in bucket
 * floor(i / width); a bucket keeps the smallest and largest finite value in it (null when it
 * has none), so extremes and the best-so-far line survive any amount of downsampling.
 */
export class ResultSeries {
  version = nextVersion();
  /** Evaluations per bucket, a power of two. */
  width = 1;
  /** Evaluations seen, numeric or not. */
  count = 0;
  readonly min: (number | null)[] = [];
  readonly max: (number | null)[] = [];
  best: { min?: BestPoint; max?: BestPoint } = {};

  constructor(readonly column: string) {}

  add(row: Record<string, unknown>): void {
    const index = this.count++;
    const b = Math.floor(index / this.width);
    if (b >= this.min.length) {
      this.min.push(null);
      this.max.push(null);
    }
    const value = row[this.column];
    if (typeof value === 'number' && Number.isFinite(value)) {
      const lo = this.min[b];
      const hi = this.max[b];
      if (lo === null || lo === undefined || value < lo) this.min[b] = value;
      if (hi === null || hi === undefined || value > hi) this.max[b] = value;
      const { min, max } = this.best;
      if (!min || value < min.value) this.best.min = this.#point(index, value, row);
      if (!max || value > max.value) this.best.max = this.#point(index, value, row);
    }
    if (this.min.length > MAX_BUCKETS) this.#halve();
  }

  #point(index: number, value: number, row: Record<string, unknown>): BestPoint {
    return { index: index + 1, value, key: String(row.key), row: describeRow(row, this.column) };
  }

  /** Merges neighbouring buckets: the width doubles, and clients need the series again. */
  #halve(): void {
    const n = Math.ceil(this.min.length / 2);
    for (let i = 0; i < n; i++) {
      this.min[i] = pick(this.min[2 * i], this.min[2 * i + 1], Math.min);
      this.max[i] = pick(this.max[2 * i], this.max[2 * i + 1], Math.max);
    }
    this.min.length = n;
    this.max.length = n;
    this.width *= 2;
    this.version = nextVersion();
  }
}

function pick(
  a: number | null | undefined,
  b: number | null | undefined,
  f: (a: number, b: number) => number,
): number | null {
  if (a === null || a === undefined) return b ?? null;
  if (b === null || b === undefined) return a;
  return f(a, b);
}

/** How two neighbouring samples merge when a timeline halves: keep the later, or average. */
export type MergeRule = 'last' | 'mean';

/** Samples over time, columns of numbers; at MAX_SAMPLES it keeps every other one. */
export class Timeline<C extends string> {
  version = nextVersion();
  readonly t: number[] = [];
  readonly columns: Record<C, (number | null)[]>;

  constructor(readonly rules: Record<C, MergeRule>) {
    this.columns = {} as Record<C, (number | null)[]>;
    for (const name of Object.keys(rules) as C[]) this.columns[name] = [];
  }

  get length(): number {
    return this.t.length;
  }

  push(time: number, sample: Record<C, number | null>): void {
    this.t.push(time);
    for (const name of Object.keys(this.rules) as C[]) this.columns[name].push(sample[name]);
    if (this.t.length > MAX_SAMPLES) this.#halve();
  }

  /** The samples from `start` on, as plain arrays. */
  slice(start: number): { t: number[] } & Record<C, (number | null)[]> {
    const out = { t: this.t.slice(start) } as { t: number[] } & Record<C, (number | null)[]>;
    for (const name of Object.keys(this.rules) as C[])
      (out as Record<C, (number | null)[]>)[name] = this.columns[name].slice(start);
    return out;
  }

  #halve(): void {
    // Pairs (0,1), (2,3), ...; the newest sample stays as it is when the count is odd.
    const n = Math.ceil(this.t.length / 2);
    for (let i = 0; i < n; i++) {
      const j = Math.min(2 * i + 1, this.t.length - 1);
      this.t[i] = this.t[j]!;
      for (const name of Object.keys(this.rules) as C[]) {
        const values = this.columns[name];
        const a = values[2 * i] ?? null;
        const b = values[j] ?? null;
        values[i] =
          this.rules[name] === 'mean' && a !== null && b !== null && j !== 2 * i ? (a + b) / 2 : b;
      }
    }
    this.t.length = n;
    for (const name of Object.keys(this.rules) as C[]) this.columns[name].length = n;
    this.version = nextVersion();
  }
}
