// The column builder behind fetchFinishedTasks({ columns: true }), on records made by the codec.
import { describe, expect, it } from 'vitest';
import { encodeValue } from '../../src/tasks/codec.js';
import { ColumnBuilder, rowsToColumns } from '../../src/tasks/columns.js';

const record = (row: Record<string, unknown>) => encodeValue(row, 'record');

function build(records: Buffer[], vanished?: Set<string>) {
  const builder = new ColumnBuilder();
  const missing: string[] = [];
  for (const r of records) builder.addRecord(r, vanished, missing);
  return { columns: builder.columns(), missing, builder };
}

describe('ColumnBuilder', () => {
  it('keeps numbers in Float64Arrays and turns a column into an array at its first non-number', () => {
    const { columns } = build([
      record({ key: 'a', x: 1, y: 0.5, n: -7 }),
      record({ key: 'b', x: 70000, y: 'text', big: 2 ** 40 }),
      record({ key: 'c', x: -1.25, y: null, flag: true }),
    ]);
    expect(columns.key).toEqual(['a', 'b', 'c']);
    expect(columns.x).toEqual(Float64Array.from([1, 70000, -1.25]));
    expect(columns.y).toEqual([0.5, 'text', null]);
    expect(columns.n).toEqual(Float64Array.from([-7, Number.NaN, Number.NaN]));
    expect(columns.big).toEqual(Float64Array.from([Number.NaN, 2 ** 40, Number.NaN]));
    expect(columns.flag).toEqual([undefined, undefined, true]);
  });

  it('reads records whose entries come in different orders and names of any length', () => {
    const long = 'a_rather_long_parameter_name_for_a_column';
    const { columns } = build([
      record({ key: 'a', p: 1, q: 2 }),
      record({ key: 'b', q: 20, p: 10 }),
      record({ key: 'c', [long]: 5, p: 100 }),
    ]);
    expect(columns.p).toEqual(Float64Array.from([1, 10, 100]));
    expect(columns.q).toEqual(Float64Array.from([2, 20, Number.NaN]));
    expect(columns[long]).toEqual(Float64Array.from([Number.NaN, Number.NaN, 5]));
  });

  it('decodes records with nested values whole, and freezes what the cache shares', () => {
    const { columns } = build([
      record({ key: 'a', x: 1, nested: { deep: [1, 2] }, when: new Date(0) }),
      record({ key: 'b', x: 2, worker_id: 'w1' }),
      record({ key: 'c', x: 3, worker_id: 'w1' }),
    ]);
    expect(columns.x).toEqual(Float64Array.from([1, 2, 3]));
    expect(columns.nested).toEqual([{ deep: [1, 2] }, undefined, undefined]);
    expect(Object.isFrozen((columns.nested as unknown[])[0])).toBe(true);
    expect(columns.when).toEqual([new Date(0), undefined, undefined]);
    expect(columns.worker_id).toEqual([undefined, 'w1', 'w1']);
  });

  it('drops vanished tasks, leaving no trace of their values', () => {
    const { columns, missing } = build(
      [
        record({ key: 'a', x: 1 }),
        record({ key: 'gone', x: 2, only: 'here' }),
        record({ key: 'c' }),
      ],
      new Set(['gone']),
    );
    expect(missing).toEqual(['gone']);
    expect(columns.key).toEqual(['a', 'c']);
    expect(columns.x).toEqual(Float64Array.from([1, Number.NaN]));
    expect(columns.only).toBeUndefined();
  });

  it('hands out copies: changing them changes nothing later', () => {
    const { columns, builder } = build([record({ key: 'a', x: 1, s: 'one' })]);
    (columns.x as Float64Array)[0] = 9;
    (columns.s as unknown[])[0] = 'changed';
    columns.key.push('extra');
    builder.addRecord(record({ key: 'b', x: 2, s: 'two' }), undefined, []);
    const again = builder.columns();
    expect(again).toEqual({ key: ['a', 'b'], x: Float64Array.from([1, 2]), s: ['one', 'two'] });
  });

  it('grows past its first capacity', () => {
    const builder = new ColumnBuilder();
    for (let i = 0; i < 5000; i++) builder.addRecord(record({ key: `k${i}`, i }), undefined, []);
    builder.reserve(10);
    const columns = builder.columns();
    expect(columns.key).toHaveLength(5000);
    expect(Array.from(columns.i as Float64Array)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i),
    );
  });

  it('turns rows into the same columns', () => {
    expect(
      rowsToColumns([
        { key: 'a', x: 1 },
        { key: 'b', y: 'v' },
      ]),
    ).toEqual({
      key: ['a', 'b'],
      x: Float64Array.from([1, Number.NaN]),
      y: [undefined, 'v'],
    });
  });
});
