/** Small statistics and timing helpers for the benchmark. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  p99?: number;
  runs: number;
}

export function summarize(values: number[], { p99 = false } = {}): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    median,
    min: sorted[0]!,
    max: sorted.at(-1)!,
    ...(p99 ? { p99: at(0.99) } : {}),
    runs: values.length,
  };
}

/** Milliseconds since an arbitrary origin, sub-millisecond precision. */
export const now = (): number => performance.now();

/** Runs `once` after `warmup` untimed runs and returns `runs` measurements. */
export async function repeat(
  runs: number,
  once: () => Promise<number>,
  warmup = 1,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await once());
  return values;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is true, failing after `timeoutMs`. */
export async function until(
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark: timed out waiting');
    await sleep(intervalMs);
  }
}
