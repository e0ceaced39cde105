/**
 * The text formats of `rushnet export`: JSON (one array, a record per line), NDJSON (a record
 * per line) and CSV (a header from the first pass, a row per task). Values from Redis have
 * their control characters made visible (escaped as `\u00XX` in JSON, `\xNN` in CSV), and CSV
 * cells that a spreadsheet would run as formulas are neutralized.
 */
import { type Column, ColumnCollector } from './export-columns.js';
import { type ExportRecord, plain } from './export-records.js';
import type { Output } from './output.js';
import { toJson, visible } from './sanitize.js';

type Batches = AsyncIterable<ExportRecord[]>;

/** Writes the records as JSON (`json`: one array) or NDJSON; resolves to how many. */
export async function writeJson(out: Output, batches: Batches, ndjson: boolean): Promise<number> {
  let n = 0;
  if (!ndjson) await out.text('[');
  for await (const records of batches) {
    for (const record of records) {
      const line = toJson(plain(record));
      await out.text(ndjson ? `${line}\n` : `${n === 0 ? '\n' : ',\n'}${line}`);
      n++;
    }
  }
  if (!ndjson) await out.text(n === 0 ? ']\n' : '\n]\n');
  return n;
}

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return) gets a leading `'`, the OWASP advice against CSV injection;
 * then control characters are made visible. Numbers stay numbers.
 */
export function csvCell(value: unknown, asJson = false): string {
  if (value === undefined || value === null) return '';
  const data = plain(value);
  let text =
    asJson || (typeof data === 'object' && data !== null) ? JSON.stringify(data) : String(data);
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  text = visible(text);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes a header of `columns` and one row per record; resolves to how many. */
export async function writeCsv(out: Output, columns: Column[], batches: Batches): Promise<number> {
  let n = 0;
  await out.text(`${columns.map((c) => csvCell(c.name)).join(',')}\n`);
  for await (const records of batches) {
    for (const record of records) {
      const cells = columns.map((c) => csvCell(record[c.name], c.type === 'json'));
      await out.text(`${cells.join(',')}\n`);
      n++;
    }
  }
  return n;
}

/**
 * Records in memory as CSV (for a few rows, such as the demo's results): a header of every
 * column that occurs, in the order of the export.
 */
export function toCsv(records: ExportRecord[]): string {
  const collector = new ColumnCollector();
  collector.add(records);
  const columns = collector.columns();
  const lines = [columns.map((c) => csvCell(c.name)).join(',')];
  for (const record of records)
    lines.push(columns.map((c) => csvCell(record[c.name], c.type === 'json')).join(','));
  return `${lines.join('\n')}\n`;
}
