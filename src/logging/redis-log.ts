/**
 * Log records of workers, kept in Redis: one capped list per worker (newest entries kept),
 * written through pino, read back by the manager with `readLog` / `printLog`.
 */
import type { Redis } from 'ioredis';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import type { LogThresholds } from '../plan.js';
import { unwrap } from '../redis/scripts/index.js';

/** How many records each worker keeps in Redis unless configured. */
export const DEFAULT_MAX_LOG_ENTRIES = 10_000;
/** Threshold of a logger that `logThresholds` does not name. */
const DEFAULT_THRESHOLD = 'info';

/** Collects pino's JSON lines and appends them to the worker's list in Redis. */
export class RedisLogSink implements DestinationStream {
  #buffer: string[] = [];
  #pending: Promise<unknown> = Promise.resolve();
  /** Whether the last write failed (so a streak of failures is reported once). */
  #failing = false;

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly bufferSize: number,
    private readonly maxEntries: number,
  ) {}

  write(line: string): void {
    this.#buffer.push(line.endsWith('\n') ? line.slice(0, -1) : line);
    if (this.#buffer.length > this.bufferSize) void this.flush();
  }

  /**
   * Writes what is buffered; resolves when Redis has it. Logging never throws: a failed write
   * is reported on stderr (once per streak of failures) and its records are lost.
   */
  flush(): Promise<void> {
    if (this.#buffer.length > 0) {
      const lines = this.#buffer;
      this.#buffer = [];
      this.#pending = this.client
        .multi()
        .rpush(this.key, ...lines)
        .ltrim(this.key, -this.maxEntries, -1)
        .exec()
        .then((replies) => {
          unwrap(replies);
          this.#failing = false;
        })
        .catch((error: unknown) => {
          if (!this.#failing) {
            process.stderr.write(
              `rushnet: could not store log records in Redis (${error instanceof Error ? error.message : String(error)})\n`,
            );
          }
          this.#failing = true;
        });
    }
    return this.#pending.then(() => {});
  }
}

/** The loggers of one worker: each writes to stderr and, at or above its threshold, to Redis. */
export class WorkerLoggers {
  readonly #loggers = new Map<string, Logger>();
  readonly #streams: pino.StreamEntry[];
  #seq = 0;

  constructor(
    private readonly sink: RedisLogSink,
    private readonly thresholds: LogThresholds,
    private readonly workerId: string,
  ) {
    // stderr (the worker's message log) shows what RUSHNET_LOG_LEVEL allows; Redis gets
    // everything at or above each logger's threshold.
    const stderrLevel = process.env.RUSHNET_LOG_LEVEL;
    this.#streams = [
      {
        stream: process.stderr,
        level:
          stderrLevel && stderrLevel in pino.levels.values ? (stderrLevel as pino.Level) : 'trace',
      },
      { stream: sink, level: 'trace' },
    ];
  }

  get(name: string): Logger {
    let logger = this.#loggers.get(name);
    if (!logger) {
      const level = (this.thresholds[name] ?? DEFAULT_THRESHOLD) as LevelWithSilent;
      logger = pino(
        {
          name,
          level,
          base: { worker_id: this.workerId },
          // A per-worker sequence number lets printLog resume where it stopped.
          mixin: () => ({ seq: ++this.#seq }),
        },
        pino.multistream(this.#streams),
      );
      this.#loggers.set(name, logger);
    }
    return logger;
  }

  flush(): Promise<void> {
    return this.sink.flush();
  }
}

/** One log record as `readLog` returns it. */
export interface LogRecord {
  worker_id: string;
  level: string;
  timestamp: Date;
  logger: string;
  caller?: string;
  msg: string;
  /** The record's number among its worker's records (1, 2, …). */
  seq: number;
  /** Seconds since the previous record (with `timeDifference`). */
  time_difference?: number;
  /** The record's other properties. */
  [property: string]: unknown;
}

const LABELS: Record<number, string> = pino.levels.labels;
const OMITTED = new Set(['level', 'time', 'name', 'msg', 'worker_id', 'pid', 'hostname', 'seq']);

/** Parses the stored lines of one worker. */
export function parseLogLines(workerId: string, lines: string[]): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of lines) {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const record: LogRecord = {
      worker_id: workerId,
      level: LABELS[raw.level as number] ?? String(raw.level),
      timestamp: new Date(raw.time as number),
      logger: String(raw.name ?? ''),
      msg: String(raw.msg ?? ''),
      seq: Number(raw.seq ?? 0),
    };
    for (const [k, v] of Object.entries(raw)) if (!OMITTED.has(k)) record[k] = v;
    records.push(record);
  }
  return records;
}

/** One line for people: time, level, worker, logger and message. */
export function formatLogRecord(record: LogRecord): string {
  const level = record.level.toUpperCase().padEnd(5);
  return `${record.timestamp.toISOString()} ${level} [${record.worker_id}] ${record.logger}: ${record.msg}`;
}
