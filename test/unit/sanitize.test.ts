/** Unit tests of the sanitizer for terminal output: control characters shown, never raw. */
import { describe, expect, it } from 'vitest';
import { toJson, visible, visibleValue } from '../../src/cli/sanitize.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const RAW = /[\x00-\x1f\x7f-\x9f]/;

/** Every C0 control, DEL and every C1 control. */
const ALL_CONTROLS = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
].map((c) => String.fromCharCode(c));

describe('visible', () => {
  it('shows every C0 control, DEL and C1 control as an escape', () => {
    for (const char of ALL_CONTROLS) {
      const shown = visible(`a${char}b`);
      expect(shown).not.toMatch(RAW);
      expect(shown.startsWith('a\\') && shown.endsWith('b')).toBe(true);
    }
    expect(visible('\x1b[2J\x1b]52;c;aGk=\x07')).toBe('\\x1b[2J\\x1b]52;c;aGk=\\x07');
    expect(visible('\x9b1m\x7f\x00')).toBe('\\x9b1m\\x7f\\x00');
    expect(visible('tab\there\nnew\rline')).toBe('tab\\there\\nnew\\rline');
  });

  it('leaves other text as it is (accents, emoji, CJK, U+00A0 and above)', () => {
    const text = 'café 🚀 日本 \u00a0 ÿ';
    expect(visible(text)).toBe(text);
  });

  it('visibleValue: strings made visible, other values as JSON', () => {
    expect(visibleValue('x\x1by')).toBe('x\\x1by');
    expect(visibleValue({ a: '\x9b' })).toBe('{"a":"\\u009b"}');
    expect(visibleValue(undefined)).toBe('');
  });
});

describe('toJson', () => {
  it('escapes C0 (as JSON does) and DEL and C1 (which JSON.stringify leaves raw) as \\u00XX', () => {
    const value = { msg: ALL_CONTROLS.join('') };
    const text = toJson(value);
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(value); // the same data, read back
    expect(toJson('\x7f\x80\x9b\x9f')).toBe('"\\u007f\\u0080\\u009b\\u009f"');
    expect(toJson('\x1b')).toBe('"\\u001b"');
  });

  it('indents when asked, and never returns undefined', () => {
    expect(toJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
    expect(toJson(undefined)).toBe('null');
  });
});
