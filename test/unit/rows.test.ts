/** Unit tests of building rows (docs/concepts.md) and of the finished-task cache's views. */
import { describe, expect, it } from 'vitest';
import { FinishedCache } from '../../src/rush/finished-cache.js';
import { buildRecord, buildRow, freezeRow } from '../../src/tasks/rows.js';

describe('rows', () => {
  const fields = ['xs', 'ys', 'condition', 'worker_id'];

  it('spreads object fields into the row and keeps the others whole', () => {
    const row = buildRow(['k', { x: 1 }, { y: 2 }, { message: 'm' }, 'w1'], fields);
    expect(row).toEqual({ key: 'k', x: 1, y: 2, condition: { message: 'm' }, worker_id: 'w1' });
  });

  it('keeps a non-object value under its field name, and absent values leave no property', () => {
    const row = buildRow(['k', 5, undefined, undefined, undefined], fields);
    expect(row).toEqual({ key: 'k', xs: 5 });
  });

  it('never lets a column named key hide the task key', () => {
    expect(buildRow(['k', { key: 'other', x: 1 }], ['xs'])).toEqual({ key: 'k', x: 1 });
  });

  it('builds the unflattened form', () => {
    expect(buildRecord(['k', { x: 1 }, undefined], ['xs', 'ys'])).toEqual({
      key: 'k',
      xs: { x: 1 },
    });
  });

  it('freezes a row and the plain objects and arrays inside it', () => {
    const map = new Map([[1, 2]]);
    const row = freezeRow({ key: 'k', a: [1, { b: 2 }], m: map, t: new Float64Array(2) });
    expect(Object.isFrozen(row)).toBe(true);
    expect(Object.isFrozen(row.a)).toBe(true);
    expect(Object.isFrozen(row.a[1])).toBe(true);
    expect(row.m.get(1)).toBe(2); // Maps and typed arrays cannot be frozen: shared as they are
  });
});

describe('the finished-task cache', () => {
  it('shares one view between field lists in any order', () => {
    const cache = new FinishedCache();
    expect(cache.view(['ys', 'xs'])).toBe(cache.view(['xs', 'ys']));
  });

  it('keeps at most four views, evicting the oldest', () => {
    const cache = new FinishedCache();
    const first = cache.view(['xs']);
    for (const f of ['ys', 'xs_extra', 'ys_extra', 'condition']) cache.view([f]);
    expect(cache.view(['xs'])).not.toBe(first);
  });

  it('returns rows from a finished-list position on, and forgets all on reset', () => {
    const cache = new FinishedCache();
    const view = cache.view(['xs']);
    view.append(
      [
        ['a', { x: 1 }],
        ['c', { x: 3 }],
      ],
      [1],
      [0, 2],
      3,
    );
    expect(view.rowsFrom(1).map((r) => r.key)).toEqual(['c']);
    expect(Object.isFrozen(view.rows[0])).toBe(true);
    expect(view.consumed).toBe(3);
    cache.reset();
    expect(cache.view(['xs']).rows).toEqual([]);
  });
});
