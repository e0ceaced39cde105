/**
 * ASHA's early stopping through the objective's `report`, against a real Redis: learning curves
 * reported step by step get true at the rung where they fall out of the best 1/eta, the best
 * ones never; the reports are visible to another participant while the evaluation runs and
 * after; two workers share the rung lists and every decision follows the rule over the lists'
 * order; bad input to report never throws.
 */
import { describe, expect, it, vi } from 'vitest';
import { asha, float, int, optimize, space } from '../../src/optimize/index.js';
import { continuesAtRung } from '../../src/optimize/stopping.js';
import { rungListName } from '../../src/optimize/store.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, worker } from '../helpers/network.js';

const RUNGS = [1, 3, 9]; // min 1, eta 3, max 27: the rungs below the budget of every evaluation
const curveSpace = () => space({ x: float(0, 1), epochs: int(1, 27) });
/** A learning curve: levels off at (x − 0.3)², the same 1/step for every configuration. */
const loss = (x: number, step: number) => (x - 0.3) ** 2 + 1 / step;
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** The rule, written out plainly: the step at which each configuration, in order, stops. */
function expectedStops(xs: number[]): (number | undefined)[] {
  const rungs: number[][] = RUNGS.map(() => []);
  return xs.map((x) => {
    for (const [k, step] of RUNGS.entries()) {
      const rung = rungs[k]!;
      rung.push(loss(x, step));
      const kept = Math.floor(rung.length / 3);
      if (rung.length >= 3 && loss(x, step) > [...rung].sort((a, b) => a - b)[kept - 1]!)
        return step;
    }
    return undefined;
  });
}

describe('early stopping with asha({ stopping: true })', () => {
  it('tells bad learning curves to stop at a rung and good ones to go on', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const observer = await manager(id);
    const xs = [0.3, 0.6, 0.9, 0.2, 0.32, 0.0, 0.29, 0.5, 0.31, 1.0, 0.3, 0.7];
    const answers = new Map<number, boolean[]>();
    const seenRunning: unknown[] = [];
    await optimize(w, {
      space: curveSpace(),
      optimizer: asha({ budget: 'epochs', min: 1, max: 27, stopping: true }),
      budget: { evaluations: xs.length },
      initialDesign: xs.map((x) => ({ x, epochs: 1 })),
      objective: async (config, { report, key }) => {
        const said: boolean[] = [];
        answers.set(answers.size, said);
        let value = Number.NaN;
        for (let step = 1; step <= config.epochs; step++) {
          value = loss(config.x, step);
          const stop = await report(step, value);
          said.push(stop);
          if (step === 2) {
            // Another participant sees the running evaluation's reports so far.
            const running = await observer.fetchRunningTasks({ fields: ['xs', 'report'] });
            seenRunning.push(running.find((r) => r.key === key)?.report);
          }
          if (stop) break;
        }
        return value;
      },
    });
    const expected = expectedStops(xs);
    // The cold start (fewer than eta at a rung) lets the first two through; the best (x = 0.3)
    // is never stopped; the worst ones stop at the first rung.
    expect(expected.slice(0, 3)).toEqual([undefined, undefined, 1]);
    expect(expected.filter((s) => s !== undefined).length).toBeGreaterThanOrEqual(6);
    for (const [i, stop] of expected.entries()) {
      const said = answers.get(i)!;
      expect(said.length).toBe(stop ?? 27);
      expect(said.slice(0, -1).every((s) => s === false)).toBe(true);
      expect(said.at(-1)).toBe(stop !== undefined);
    }
    expect(seenRunning[0]).toEqual([
      { step: 1, value: loss(0.3, 1) },
      { step: 2, value: loss(0.3, 2) },
    ]);
    // Finished: the configuration at the budget `max`, its whole history, where it stopped.
    const rows = await observer.fetchFinishedTasks({
      fields: ['xs', 'ys', 'xs_extra', 'ys_extra', 'report'],
    });
    expect(rows.map((r) => r.x)).toEqual(xs);
    for (const [i, row] of rows.entries()) {
      const stop = expected[i];
      expect(row).toMatchObject({ epochs: 27, stage: 'asha_stopping' });
      expect(row.stopped_at_step).toBe(stop);
      expect((row.report as unknown[]).length).toBe(stop ?? 27);
      expect(row.y).toBe(loss(xs[i]!, stop ?? 27));
    }
  });

  it('decides by the order of the network rung lists when two workers share them', async () => {
    const id = newNetworkId();
    const [a, b] = await Promise.all([worker(id), worker(id)]);
    const options = {
      space: curveSpace(),
      optimizer: asha({ budget: 'epochs', min: 1, max: 27, stopping: true }),
      budget: { evaluations: 24 },
      minimize: false, // reports an accuracy: the optimizer ranks its negation
      seed: 5,
      objective: async (
        config: { x: number; epochs: number },
        { report }: { report: (s: number, v: number) => Promise<boolean> },
      ) => {
        let value = Number.NaN;
        for (let step = 1; step <= config.epochs; step++) {
          await tick();
          value = 1 - loss(config.x, step);
          if (await report(step, value)) break;
        }
        return value;
      },
    };
    await Promise.all([optimize(a, options), optimize(b, options)]);
    const rush = await manager(id);
    const rows = await rush.fetchFinishedTasks({
      fields: ['xs', 'ys', 'ys_extra', 'report', 'worker_id'],
    });
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((r) => r.worker_id)).size).toBe(2);
    const keys = new RushKeys(id);
    const stopAt = new Map<string, number>();
    for (const [k, step] of RUNGS.entries()) {
      const entries = await rush.connector.lrange(keys.task(rungListName(k)), 0, -1);
      const losses: number[] = [];
      for (const entry of entries) {
        const [value, key] = entry.split(' ') as [string, string];
        losses.push(Number(value));
        // Each decision saw the list up to its own entry.
        if (!continuesAtRung(Number(value), losses, 3) && !stopAt.has(key)) stopAt.set(key, step);
      }
    }
    expect(stopAt.size).toBeGreaterThan(0);
    for (const row of rows) {
      const stop = stopAt.get(row.key);
      expect(row.stopped_at_step).toBe(stop);
      expect((row.report as { step: number }[]).at(-1)!.step).toBe(stop ?? 27);
      expect(row.y).toBe(1 - loss(row.x as number, stop ?? 27));
    }
    // The best configuration evaluated ran to the end.
    const best = rows.reduce((m, r) =>
      Math.abs((r.x as number) - 0.3) < Math.abs((m.x as number) - 0.3) ? r : m,
    );
    expect(best.stopped_at_step).toBeUndefined();
  });

  it('never throws on bad input to report: false, one warning', async () => {
    const id = newNetworkId();
    const w = await worker(id);
    const warn = vi.spyOn(w.logger, 'warn');
    const answers: boolean[] = [];
    await optimize(w, {
      space: curveSpace(),
      optimizer: asha({ budget: 'epochs', min: 1, max: 27, stopping: true }),
      budget: { evaluations: 2 },
      objective: async (config, { report, key }) => {
        const untyped = report as (step: unknown, value: unknown) => Promise<boolean>;
        answers.push(await untyped('1', 0.5));
        answers.push(await untyped(1, undefined));
        answers.push(await untyped(Number.NaN, 0.5));
        answers.push(await untyped(Number.POSITIVE_INFINITY, 0.5));
        answers.push(await report(1, 0.5));
        expect((await w.readHash(key, ['report']))?.report).toEqual([{ step: 1, value: 0.5 }]);
        return config.x;
      },
    });
    expect(answers).toEqual(Array(10).fill(false));
    const bad = warn.mock.calls.filter(([, message]) => String(message).includes('report(step'));
    expect(bad).toHaveLength(1);
  });
});

describe('asha({ stopping })', () => {
  it('is checked: a boolean, and with an int budget an integer max', () => {
    expect(() => asha({ budget: 'epochs', min: 1, max: 9, stopping: 'yes' as never })).toThrow(
      /stopping/,
    );
    const opt = asha({ budget: 'epochs', min: 1, max: 9.5, stopping: true });
    expect(() => opt.check?.(space({ epochs: int(1, 10) }))).toThrow(/max/);
    expect(() => opt.check?.(space({ epochs: float(1, 10) }))).not.toThrow();
  });
});
