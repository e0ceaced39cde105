/** `rushnet export`: the tasks of a network as JSON or CSV, one record per task. */
import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { TaskState } from '../types.js';
import {
  action,
  type ConnectionFlags,
  networkId,
  openNetwork,
  outputFile,
  UsageError,
  unwritable,
  withUrl,
} from './common.js';

const FIXED = ['key', 'state', 'worker_id'];

/** A value as plain JSON data: what a spreadsheet or pandas can read. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (value instanceof Set) return [...value].map(plain);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
 * `@`, a tab or a carriage return) gets a leading `'`, the OWASP advice against CSV injection;
 * numbers stay numbers.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV with a header of every column that occurs: key, state, worker_id, the rest, condition. */
export function toCsv(records: Record<string, unknown>[]): string {
  const columns = [...FIXED];
  for (const record of records)
    for (const column of Object.keys(record)) if (!columns.includes(column)) columns.push(column);
  const condition = columns.indexOf('condition');
  if (condition >= 0) columns.push(...columns.splice(condition, 1));
  const lines = [columns.map(csvCell).join(',')];
  for (const record of records) lines.push(columns.map((c) => csvCell(record[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export function exportCommand(program: Command): void {
  withUrl(
    program
      .command('export')
      .description(
        'write the tasks of a network as JSON or CSV (key, state, worker_id, inputs and outputs)',
      )
      .requiredOption('--network <id>', 'network id', networkId)
      .addOption(
        new Option('--state <state...>', 'only tasks in these states').choices([
          'queued',
          'running',
          'finished',
          'failed',
        ]),
      )
      .addOption(
        new Option('--format <format>', 'output format').choices(['json', 'csv']).default('json'),
      )
      .option('--out <file>', 'write to this file instead of stdout', outputFile),
  ).action(
    action(
      async (
        options: ConnectionFlags & {
          network: string;
          state?: TaskState[];
          format: 'json' | 'csv';
          out?: string;
        },
      ) => {
        const rush = await openNetwork(options.network, options);
        try {
          const rows = await rush.fetchTasksWithState({
            states: options.state ?? ['queued', 'running', 'finished', 'failed'],
            fields: ['xs', 'ys', 'xs_extra', 'ys_extra', 'worker_id', 'condition'],
          });
          const records = rows.map(({ key, state, worker_id, condition, ...columns }) => ({
            key,
            state,
            worker_id,
            ...(plain(columns) as Record<string, unknown>),
            ...(condition ? { condition: condition.message } : {}),
          }));
          const text =
            options.format === 'csv' ? toCsv(records) : `${JSON.stringify(records, null, 2)}\n`;
          if (options.out) {
            try {
              writeFileSync(options.out, text);
            } catch {
              // Checked before connecting, but it may have changed since: still one line.
              throw new UsageError(
                `cannot write ${options.out}: ${unwritable(options.out) ?? 'the write failed'}`,
              );
            }
            process.stderr.write(`wrote ${records.length} task(s) to ${options.out}\n`);
          } else {
            process.stdout.write(text);
          }
        } finally {
          await rush.close();
        }
      },
    ),
  );
}
