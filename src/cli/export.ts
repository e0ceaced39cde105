/**
 * `rushnet export`: the tasks of a network as JSON, NDJSON, CSV or Parquet, one record per
 * task, streamed: values are read from Redis a chunk at a time and written as they come, never
 * all in memory. CSV and Parquet need their columns first: a first pass over the tasks finds
 * them (and their types), the second writes the rows.
 */
import { createWriteStream } from 'node:fs';
import { type Command, Option } from 'commander';
import { TASK_STATES } from '../tasks/states.js';
import type { TaskState } from '../types.js';
import {
  action,
  type ConnectionFlags,
  networkOption,
  openNetwork,
  outputFile,
  UsageError,
  unwritable,
  withUrl,
} from './common.js';
import { ColumnCollector } from './export-columns.js';
import { countTasks, readRecords } from './export-records.js';
import { writeCsv, writeJson } from './export-text.js';
import { requireNetwork } from './network-check.js';
import { Output } from './output.js';

export { csvCell, toCsv } from './export-text.js';

type Format = 'json' | 'ndjson' | 'csv' | 'parquet';

interface ExportFlags extends ConnectionFlags {
  network: string;
  state?: TaskState[];
  format: Format;
  out?: string;
}

/** Opens `--out` (checked before connecting; it may have changed since: still one line). */
async function openFile(path: string): Promise<Output> {
  const stream = createWriteStream(path);
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch {
    throw new UsageError(`cannot write ${path}: ${unwritable(path) ?? 'the write failed'}`);
  }
  return new Output(stream);
}

export function exportCommand(program: Command): void {
  withUrl(
    program
      .command('export')
      .description(
        'write the tasks of a network as JSON, NDJSON, CSV or Parquet (key, state, worker_id, inputs and outputs)',
      )
      .addOption(networkOption(true))
      .addOption(
        new Option('--state <state...>', 'only tasks in these states').choices([...TASK_STATES]),
      )
      .addOption(
        new Option('--format <format>', 'output format')
          .choices(['json', 'ndjson', 'csv', 'parquet'])
          .default('json'),
      )
      .option('--out <file>', 'write to this file instead of stdout', outputFile),
  ).action(
    action(async (options: ExportFlags) => {
      if (options.format === 'parquet' && !options.out && process.stdout.isTTY) {
        throw new UsageError('Parquet is binary: give --out <file>, or redirect stdout');
      }
      const rush = await openNetwork(options.network, options);
      try {
        await requireNetwork(rush);
        const states = new Set<string>(options.state ?? TASK_STATES);
        // The tasks there are now; tasks created during the export are left for the next one.
        const total = await countTasks(rush);
        const batches = () => readRecords(rush, total, states);
        let columns: ReturnType<ColumnCollector['columns']> = [];
        if (options.format === 'csv' || options.format === 'parquet') {
          const collector = new ColumnCollector();
          for await (const records of batches()) collector.add(records);
          columns = collector.columns();
        }
        const out = options.out ? await openFile(options.out) : new Output(process.stdout);
        let n: number;
        if (options.format === 'parquet') {
          const { writeParquet } = await import('./export-parquet.js');
          n = await writeParquet(out, columns, batches());
        } else if (options.format === 'csv') {
          n = await writeCsv(out, columns, batches());
        } else {
          n = await writeJson(out, batches(), options.format === 'ndjson');
        }
        await out.end();
        if (options.out) process.stderr.write(`wrote ${n} task(s) to ${options.out}\n`);
      } finally {
        await rush.close();
      }
    }),
  );
}
