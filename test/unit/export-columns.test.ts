/** Unit tests of the columns of a typed export and the values Parquet stores. */
import { describe, expect, it } from 'vitest';
import { ColumnCollector, kindOf } from '../../src/cli/export-columns.js';
import { parquetValue } from '../../src/cli/export-parquet.js';
import { csvCell } from '../../src/cli/export-text.js';

describe('columns of an export', () => {
  it('orders key, state, worker_id, the values as first seen, then times and condition', () => {
    const c = new ColumnCollector();
    c.add([{ key: 'a', state: 'failed', x: 1, condition: 'no', created_at: 5 }]);
    c.add([{ key: 'b', state: 'finished', worker_id: 'w', y: 2, x: 2, tries: 1 }]);
    expect(c.columns().map((col) => col.name)).toEqual([
      'key',
      'state',
      'worker_id',
      'x',
      'y',
      'created_at',
      'tries',
      'condition',
    ]);
  });

  it('gives each column one type; mixed types are JSON text, ints with doubles are doubles', () => {
    const c = new ColumnCollector();
    c.add([
      { key: 'a', state: 'queued', i: 1, d: 1, m: 1, b: true, s: 'x', n: null, o: { z: 1 } },
      { key: 'b', state: 'queued', i: 2, d: 0.5, m: 'one', b: false, s: 'y', created_at: 7 },
      { key: 'c', state: 'queued', when: new Date(0), big: 1n },
    ]);
    const types = Object.fromEntries(c.columns().map((col) => [col.name, col.type]));
    expect(types).toEqual({
      key: 'string',
      state: 'string',
      worker_id: 'string',
      i: 'int',
      d: 'double',
      m: 'json',
      b: 'bool',
      s: 'string',
      n: 'string',
      o: 'json',
      when: 'date',
      big: 'string',
      created_at: 'timestamp',
    });
  });

  it('kinds of values', () => {
    expect([1, 1.5, Number.NaN, -0, 2 ** 60].map(kindOf)).toEqual([
      'int',
      'double',
      'double',
      'double',
      'double',
    ]);
    expect([null, undefined, 'x', 3n, true, [1], new Map()].map(kindOf)).toEqual([
      undefined,
      undefined,
      'string',
      'string',
      'bool',
      'json',
      'json',
    ]);
  });
});

describe('Parquet values', () => {
  it('stores each value as its column type, and null where it does not fit', () => {
    expect(parquetValue('int', 3)).toBe(3n);
    expect(parquetValue('int', 'x')).toBeNull();
    expect(parquetValue('double', 3)).toBe(3);
    expect(parquetValue('bool', 1)).toBeNull();
    expect(parquetValue('timestamp', 1_700_000_000_000)).toBe(1_700_000_000_000n);
    expect(parquetValue('date', new Date(5))).toBe(5n);
    expect(parquetValue('string', 12n)).toBe('12');
    expect(parquetValue('json', 'two')).toBe('"two"');
    expect(parquetValue('json', { a: [1, Number.POSITIVE_INFINITY] })).toBe('{"a":[1,"Infinity"]}');
    expect(parquetValue('string', undefined)).toBeNull();
  });
});

describe('CSV cells', () => {
  it('neutralizes formulas, then shows control characters', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('\tx')).toBe("'\\tx");
    expect(csvCell('a\x1bb')).toBe('a\\x1bb');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell('two', true)).toBe('"""two"""');
  });
});
