import { describe, expect, it } from 'vitest';
import { RushInputError } from '../../src/errors.js';
import { decodeValue, encodeValue } from '../../src/tasks/codec.js';

const roundTrip = (v: unknown) => decodeValue(encodeValue(v, 'v'));

describe('codec', () => {
  it('round-trips every value type of docs/concepts.md', () => {
    const value = {
      int: 42,
      float: 3.25,
      big: 2 ** 53 + 2,
      neg: -7,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      ninf: Number.NEGATIVE_INFINITY,
      negZero: -0,
      str: 'héllo ✓',
      empty: '',
      t: true,
      f: false,
      nil: null,
      undef: undefined,
      arr: [1, 'a', [2, [3]], { deep: -0 }],
      nested: { a: { b: { c: [1, 2] } } },
      date: new Date('2024-05-06T07:08:09.123Z'),
      bigint: 12345678901234567890123n,
      smallBigint: 5n,
      negBigint: -(2n ** 70n),
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['k', { v: new Map([['inner', -0]]) }],
      ]),
      set: new Set([1, 'two', 3.5]),
      f64: new Float64Array([1.5, -0, Number.NaN]),
      i32: new Int32Array([-1, 2 ** 31 - 1]),
      u8: new Uint8Array([0, 255]),
      buf: Buffer.from('bytes'),
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(Object.is((back.arr[3] as { deep: number }).deep, -0)).toBe(true);
    expect('undef' in back).toBe(true);
    expect(back.date).toBeInstanceOf(Date);
    expect(back.map).toBeInstanceOf(Map);
    expect(Object.is((back.map.get('k') as { v: Map<string, number> }).v.get('inner'), -0)).toBe(
      true,
    );
    expect(back.set).toBeInstanceOf(Set);
    expect(back.f64).toBeInstanceOf(Float64Array);
    expect(Object.is(back.f64[1], -0)).toBe(true);
    expect(back.i32).toBeInstanceOf(Int32Array);
    expect(back.u8).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(typeof back.bigint).toBe('bigint');
    expect(typeof back.smallBigint).toBe('bigint');
    expect(typeof back.big).toBe('number');
  });

  it('keeps integers above 32 bits as numbers and bigints as bigints', () => {
    expect(roundTrip({ a: 2 ** 40, b: 2n ** 40n })).toEqual({ a: 2 ** 40, b: 2n ** 40n });
  });

  it.each([
    ['a function', { f: () => 1 }, /function/],
    ['a symbol', { s: Symbol('x') }, /symbol/],
  ])('rejects %s with RushInputError', (_, value, pattern) => {
    expect(() => encodeValue(value, 'xss[0]')).toThrow(RushInputError);
    expect(() => encodeValue(value, 'xss[0]')).toThrow(pattern);
  });

  it('rejects a circular structure with RushInputError naming the argument', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(() => encodeValue(circular, 'xss[2]')).toThrow(
      /`xss\[2\]` cannot be encoded: it is circular/,
    );
  });
});
