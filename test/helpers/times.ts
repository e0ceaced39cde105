/**
 * Rows without their timestamps (`created_at`, `started_at`, `finished_at`), for tests that
 * compare whole rows of the default fields: each timestamp a row has must be a number (the
 * lifecycle tests check their values, test/integration/lifecycle-timestamps.test.ts).
 */
const TIMES = ['created_at', 'started_at', 'finished_at'];

export function withoutTimes<T extends object>(row: T): T;
export function withoutTimes<T extends object>(rows: T[]): T[];
export function withoutTimes<T extends object>(value: T | T[]): T | T[] {
  if (Array.isArray(value)) return value.map((row) => withoutTimes(row));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    if (TIMES.includes(name)) {
      if (typeof v !== 'number') throw new Error(`${name} is ${String(v)}, not a number`);
    } else out[name] = v;
  }
  return out as T;
}
