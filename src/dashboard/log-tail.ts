/**
 * The dashboard's log tail: the newest records of each level, so that a filter for warnings
 * still shows warnings when info records flood in. Records are numbered in the order the
 * dashboard first saw them; a client asks for what came after the last number it has.
 */
import type { LogRecord } from '../index.js';
import { LOG_LEVELS, type LogLevel } from '../logging/levels.js';
import { shortJson } from './failed-list.js';

/** The levels a record can have, lowest first: rushnet's one list (every level but `silent`). */
export const LEVELS = LOG_LEVELS.filter((l) => l !== 'silent') as Level[];
export type Level = Exclude<LogLevel, 'silent'>;

/** Records kept per level, and sent at most in one message. */
export const TAIL_SIZE = 200;
const MAX_TEXT = 500;

export interface TailRecord {
  seq: number;
  time: number;
  level: string;
  worker_id: string;
  logger: string;
  msg: string;
  /** The record's other properties, as short JSON ('' when none). */
  extra: string;
}

const KNOWN = new Set([
  'worker_id',
  'level',
  'timestamp',
  'logger',
  'msg',
  'seq',
  'time_difference',
]);

/** The rank of a level name; unknown names rank like info. */
export function levelRank(level: string): number {
  const i = LEVELS.indexOf(level as Level);
  return i < 0 ? 2 : i;
}

function extraOf(record: LogRecord): string {
  const rest: Record<string, unknown> = {};
  let any = false;
  for (const [k, v] of Object.entries(record)) {
    if (KNOWN.has(k)) continue;
    rest[k] = v;
    any = true;
  }
  return any ? shortJson(rest) : '';
}

export class LogTail {
  readonly #byLevel: TailRecord[][] = LEVELS.map(() => []);
  /** Per worker, the highest record number (its own `seq`) taken. */
  readonly #taken = new Map<string, number>();
  #seq = 0;

  /** Number of the newest record taken. */
  get seq(): number {
    return this.#seq;
  }

  /** Takes the records not seen before (`readLog` returns a worker's whole stored list). */
  absorb(records: readonly LogRecord[]): number {
    let added = 0;
    for (const record of records) {
      const own = Number(record.seq) || 0;
      if (own <= (this.#taken.get(record.worker_id) ?? 0)) continue;
      this.#taken.set(record.worker_id, own);
      const tail = this.#byLevel[levelRank(record.level)]!;
      tail.push({
        seq: ++this.#seq,
        time: record.timestamp.getTime(),
        level: record.level,
        worker_id: record.worker_id,
        logger: record.logger,
        msg: record.msg.slice(0, MAX_TEXT),
        extra: extraOf(record),
      });
      if (tail.length > TAIL_SIZE) tail.splice(0, tail.length - TAIL_SIZE);
      added++;
    }
    return added;
  }

  /** Records numbered after `after`, at or above `level`: the newest TAIL_SIZE, oldest first. */
  since(after: number, level: string): TailRecord[] {
    const out: TailRecord[] = [];
    for (let i = levelRank(level); i < LEVELS.length; i++) {
      for (const record of this.#byLevel[i]!) if (record.seq > after) out.push(record);
    }
    out.sort((a, b) => a.seq - b.seq);
    return out.length > TAIL_SIZE ? out.slice(out.length - TAIL_SIZE) : out;
  }
}
