/**
 * Text read from Redis is untrusted: anyone who can write to the server can put escape
 * sequences in a log message, a host name or a task value, and a terminal would run them
 * (clear the screen, retitle the window, write the clipboard with OSC 52, fake output). Every
 * command prints such text through these functions, whatever stdout is (a terminal, a pipe, a
 * file viewed later with `cat`): control characters are shown, never interpreted.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
/** DEL and C1: JSON.stringify leaves them raw. */
const RAW_IN_JSON = /[\x7f-\x9f]/g;

const SHORT: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function hex(char: string): string {
  return char.charCodeAt(0).toString(16).padStart(2, '0');
}

/**
 * Text with its control characters made visible: C0 (U+0000–U+001F), DEL and C1
 * (U+0080–U+009F) become `\xNN` (tab, newline and carriage return `\t`, `\n`, `\r`).
 */
export function visible(text: string): string {
  return text.replace(CONTROL, (char) => SHORT[char] ?? `\\x${hex(char)}`);
}

/** Any value as one line of visible text (strings as they are, the rest as JSON). */
export function visibleValue(value: unknown): string {
  if (typeof value === 'string') return visible(value);
  if (value === undefined) return '';
  return toJson(value);
}

/**
 * JSON text in which no control character is left raw: JSON.stringify escapes C0 already,
 * DEL and C1 are escaped here as `\u00XX` (they can only occur inside strings, so replacing
 * them in the text is exact). Values JSON has no form for (BigInt, Map, …) are for the caller
 * to convert first.
 */
export function toJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent) ?? 'null';
  return text.replace(RAW_IN_JSON, (char) => `\\u00${hex(char)}`);
}
