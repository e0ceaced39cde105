/** `rushnet logs`: the log records workers stored in Redis. */
import { type Command, InvalidArgumentError } from 'commander';
import { LEVEL_RANK, LOG_LEVELS } from '../logging/levels.js';
import type { LogRecord } from '../logging/redis-log.js';
import {
  action,
  type ConnectionFlags,
  networkOption,
  openNetwork,
  untilInterrupted,
  withUrl,
  workersOption,
} from './common.js';
import { logLine, logObject } from './log-lines.js';
import { missingNetwork, networkExists } from './network-check.js';
import { toJson, visible } from './sanitize.js';

const RANK: Record<string, number> = LEVEL_RANK;

function level(value: string): string {
  if (!(value in RANK))
    throw new InvalidArgumentError(
      `must be one of ${LOG_LEVELS.filter((l) => l !== 'silent').join(', ')}`,
    );
  return value;
}

interface LogsFlags extends ConnectionFlags {
  network: string;
  worker?: string[];
  level?: string;
  follow?: boolean;
  json?: boolean;
}

export function logsCommand(program: Command): void {
  withUrl(
    program
      .command('logs')
      .description('print the log records of the workers of a network')
      .addOption(networkOption(true))
      .addOption(workersOption('only these workers (one or more ids; the flag may be repeated)'))
      .option('--level <level>', 'only records at or above this level', level)
      .option('--follow', 'keep printing new records until Ctrl-C (waits for the network)')
      .option('--json', 'print JSON: one array, or with --follow one object per line'),
  ).action(
    action(async (options: LogsFlags) => {
      const rush = await openNetwork(options.network, options);
      const minimum = RANK[options.level ?? 'trace']!;
      const printed = new Map<string, number>(); // worker id → last seq printed
      const interrupt = options.follow ? untilInterrupted() : undefined;
      /** The records not printed yet, at or above the level. */
      const readNew = async (): Promise<LogRecord[]> => {
        const records = await rush.readLog(options.worker ? { workerIds: options.worker } : {});
        const fresh: LogRecord[] = [];
        for (const record of records) {
          if (record.seq <= (printed.get(record.worker_id) ?? 0)) continue;
          printed.set(record.worker_id, record.seq);
          if ((RANK[record.level] ?? 0) >= minimum) fresh.push(record);
        }
        return fresh;
      };
      const printLines = (records: LogRecord[]) => {
        if (records.length === 0) return;
        const lines = options.json
          ? records.map((r) => toJson(logObject(r)))
          : records.map(logLine);
        process.stdout.write(`${lines.join('\n')}\n`);
      };
      try {
        if (!(await networkExists(rush))) {
          if (!interrupt) throw missingNetwork(rush);
          process.stderr.write(
            `rushnet: network '${visible(rush.networkId)}' does not exist yet: waiting for it (Ctrl-C to stop)\n`,
          );
          while (!interrupt.stopped() && !(await networkExists(rush))) await interrupt.wait(1000);
        }
        if (!interrupt) {
          const records = await readNew();
          if (options.json) process.stdout.write(`${toJson(records.map(logObject))}\n`);
          else printLines(records);
          return;
        }
        while (!interrupt.stopped()) {
          printLines(await readNew());
          await interrupt.wait(1000);
        }
      } finally {
        await rush.close();
      }
    }),
  );
}
