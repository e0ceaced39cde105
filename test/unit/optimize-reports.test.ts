/**
 * The objective's `report` for one evaluation, with the task writes and the optimizer replaced by
 * fakes: histories written whole and in call order, the optimizer asked in order and not after it
 * said stop, and failures that resolve to false instead of throwing.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OptimizerInstance } from '../../src/optimize/optimizer.js';
import { Reports } from '../../src/optimize/reports.js';
import type { Rush } from '../../src/rush.js';

function fakeRush(write: (history: unknown) => Promise<void>) {
  const warn = vi.fn();
  const rush = {
    logger: { warn },
    writeHashes: (values: { report: unknown[] }) => write(values.report[0]).then(() => ['k']),
  } as unknown as Rush;
  return { rush, warn };
}

describe('report', () => {
  it('writes the growing history in call order and asks the optimizer in order', async () => {
    const written: unknown[] = [];
    // The first write is the slowest: the second must still land after it.
    const { rush } = fakeRush(async (history) => {
      await new Promise((resolve) => setTimeout(resolve, written.length === 0 ? 20 : 0));
      written.push(history);
    });
    const asked: number[] = [];
    const optimizer: Pick<OptimizerInstance, 'shouldStop'> = {
      shouldStop: (_key, step, loss, xs) => {
        asked.push(step);
        expect(xs).toEqual({ x: 1 });
        return loss > 5;
      },
    };
    const reports = new Reports('k', { x: 1 }, rush, optimizer, (v) => -v, vi.fn());
    const answers = await Promise.all([
      reports.report(1, -1),
      reports.report(2, -9), // loss 9: stop
      reports.report(3, -1), // asked no more: still stop
    ]);
    expect(answers).toEqual([false, true, true]);
    expect(asked).toEqual([1, 2]);
    expect(reports.stoppedAt).toBe(2);
    expect(written).toEqual([
      [{ step: 1, value: -1 }],
      [
        { step: 1, value: -1 },
        { step: 2, value: -9 },
      ],
      [
        { step: 1, value: -1 },
        { step: 2, value: -9 },
        { step: 3, value: -1 },
      ],
    ]);
  });

  it('resolves to false when the write or the decision fails, and warns', async () => {
    const { rush, warn } = fakeRush(() => Promise.reject(new Error('connection lost')));
    const failing: Pick<OptimizerInstance, 'shouldStop'> = {
      shouldStop: () => {
        throw new Error('no rung list');
      },
    };
    const reports = new Reports('k', {}, rush, failing, (v) => v, vi.fn());
    expect(await reports.report(1, 1)).toBe(false);
    expect(warn.mock.calls.map(([, message]) => message).sort()).toEqual([
      'optimize: report() could not record its value',
      'optimize: the optimizer could not decide on a report; the evaluation goes on',
    ]);
    expect(reports.stoppedAt).toBeUndefined();
  });

  it('ignores bad input, writing nothing', async () => {
    const write = vi.fn(async () => {});
    const { rush } = fakeRush(write);
    const bad = vi.fn();
    const reports = new Reports('k', {}, rush, {}, (v) => v, bad);
    const untyped = reports.report.bind(reports) as (s: unknown, v: unknown) => Promise<boolean>;
    expect(await untyped(null, 1)).toBe(false);
    expect(await untyped(1, '2')).toBe(false);
    expect(bad).toHaveBeenCalledTimes(2); // optimize turns these into one warning
    expect(write).not.toHaveBeenCalled();
    expect(await reports.report(1, 2)).toBe(false); // no shouldStop: never stops
    expect(write).toHaveBeenCalledTimes(1);
  });
});
