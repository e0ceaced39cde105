/** `rushnet logs`: the log records workers stored in Redis. */
import { type Command, InvalidArgumentError } from 'commander';
import { LEVEL_RANK, LOG_LEVELS } from '../logging/levels.js';
import { formatLogRecord } from '../logging/redis-log.js';
import {
  action,
  type ConnectionFlags,
  networkId,
  openNetwork,
  untilInterrupted,
  withUrl,
  workerId,
} from './common.js';

const RANK: Record<string, number> = LEVEL_RANK;

function level(value: string): string {
  if (!(value in RANK))
    throw new InvalidArgumentError(
      `must be one of ${LOG_LEVELS.filter((l) => l !== 'silent').join(', ')}`,
    );
  return value;
}

export function logsCommand(program: Command): void {
  withUrl(
    program
      .command('logs')
      .description('print the log records of the workers of a network')
      .requiredOption('--network <id>', 'network id', networkId)
      .option('--worker <id>', 'only this worker', workerId)
      .option('--level <level>', 'only records at or above this level', level)
      .option('--follow', 'keep printing new records until Ctrl-C'),
  ).action(
    action(
      async (
        options: ConnectionFlags & {
          network: string;
          worker?: string;
          level?: string;
          follow?: boolean;
        },
      ) => {
        const rush = await openNetwork(options.network, options);
        const minimum = RANK[options.level ?? 'trace']!;
        const printed = new Map<string, number>(); // worker id → last seq printed
        const printNew = async () => {
          const records = await rush.readLog(options.worker ? { workerIds: [options.worker] } : {});
          const lines: string[] = [];
          for (const record of records) {
            if (record.seq <= (printed.get(record.worker_id) ?? 0)) continue;
            printed.set(record.worker_id, record.seq);
            if ((RANK[record.level] ?? 0) >= minimum) lines.push(formatLogRecord(record));
          }
          if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
        };
        try {
          await printNew();
          if (!options.follow) return;
          const interrupt = untilInterrupted();
          while (!interrupt.stopped()) {
            await interrupt.wait(1000);
            await printNew();
          }
        } finally {
          await rush.close();
        }
      },
    ),
  );
}
