/**
 * Reading the workers' log records back from Redis (`readLog`, `printLog`): one pipelined read
 * of every worker's capped list, merged and sorted by time.
 */
import type { Redis } from 'ioredis';
import type { RushKeys } from '../redis/keys.js';
import { unwrap } from '../redis/scripts/index.js';
import { checkBoolean, checkKeys, checkOptions } from '../validate.js';
import { formatLogRecord, type LogRecord, parseLogLines } from './redis-log.js';

/** Options of `readLog`. */
export interface ReadLogOptions {
  /** @default every worker */
  workerIds?: string[];
  /** Add `time_difference`: seconds since the previous record. @default false */
  timeDifference?: boolean;
}

export class LogReader {
  /** The newest record printed, by worker (printLog prints each record once). */
  readonly #printed = new Map<string, number>();

  constructor(
    private readonly keys: RushKeys,
    private readonly client: () => Redis,
  ) {}

  /** Log records of the workers, sorted by time. */
  async read(options: ReadLogOptions | undefined): Promise<LogRecord[]> {
    const o = checkOptions('options', options, ['workerIds', 'timeDifference']);
    const withDifference = checkBoolean('timeDifference', o.timeDifference ?? false);
    const records = await this.#records(
      o.workerIds === undefined ? undefined : checkKeys('workerIds', o.workerIds),
    );
    let previous: number | undefined;
    return records.map((record) => {
      const time = record.timestamp.getTime();
      if (withDifference)
        record.time_difference = previous === undefined ? 0 : (time - previous) / 1000;
      previous = time;
      return record;
    });
  }

  /** Prints the records not printed before by this reader. */
  async print(): Promise<void> {
    const lines: string[] = [];
    for (const record of await this.#records(undefined)) {
      if (record.seq <= (this.#printed.get(record.worker_id) ?? 0)) continue;
      this.#printed.set(record.worker_id, record.seq);
      lines.push(formatLogRecord(record));
    }
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Forgets what was printed (after a reset). */
  reset(): void {
    this.#printed.clear();
  }

  async #records(ids: string[] | undefined): Promise<LogRecord[]> {
    const client = this.client();
    const workerIds = ids ?? (await client.zrange(this.keys.workers, 0, -1));
    if (workerIds.length === 0) return [];
    const pipeline = client.pipeline();
    for (const id of workerIds) pipeline.lrange(this.keys.log(id), 0, -1);
    const replies = unwrap(await pipeline.exec()) as string[][];
    const records = workerIds.flatMap((id, i) => parseLogLines(id, replies[i] ?? []));
    return records.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.seq - b.seq);
  }
}
