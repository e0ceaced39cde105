/**
 * The chaos suite's seeded randomness: how many rounds a scenario runs (CHAOS_ROUNDS), their
 * seeds (CHAOS_SEED replays one), a generator that gives the same faults for the same seed, and
 * the line that prints a round's seed. It imports nothing, so the failover scenarios (which use
 * no Redis they did not start) can take it without the integration suite's per-test guard.
 */

export const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 1);
const FIXED_SEED =
  process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);

/** The seeds of a scenario's rounds: CHAOS_SEED alone when set, else fresh ones. */
export function seeds(): number[] {
  if (FIXED_SEED !== undefined) return [FIXED_SEED];
  return Array.from({ length: ROUNDS }, () => Math.floor(Math.random() * 2 ** 31));
}

/** A seeded source of faults (see `random`). */
export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(items: T[]): T;
}

/** A small seeded generator (mulberry32): the same seed, the same faults. */
export function random(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** Prints a round's scenario and seed, and how to replay it. */
export function announce(scenario: string, seed: number): void {
  process.stdout.write(`chaos: ${scenario} seed=${seed} (re-run with CHAOS_SEED=${seed})\n`);
}
