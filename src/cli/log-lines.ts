/**
 * Log records as `rushnet logs` prints them: one line per record for people (the message, then
 * the record's structured fields as `name=value`), or one JSON object per record. Every piece
 * of text comes from Redis, so every piece is made visible (see sanitize.ts).
 */
import type { LogRecord } from '../logging/redis-log.js';
import { visible } from './sanitize.js';

/** Properties every record has; the others are the fields the loop logged. */
const OWN = new Set(['worker_id', 'level', 'timestamp', 'logger', 'msg', 'seq', 'time_difference']);

/** The structured fields of a record (`log.info({ x, lr }, 'msg')` → `{ x, lr }`). */
export function logFields(record: LogRecord): [string, unknown][] {
  return Object.entries(record).filter(([name]) => !OWN.has(name));
}

/** A field's value in a line: bare when it reads unambiguously, else as JSON. */
function fieldValue(value: unknown): string {
  if (typeof value === 'string') {
    return /^[^\s"=]+$/.test(value) ? visible(value) : visible(JSON.stringify(value));
  }
  if (value === undefined) return 'undefined';
  return visible(JSON.stringify(value) ?? String(value));
}

/** One line for people: time, level, worker, logger, message and fields. */
export function logLine(record: LogRecord): string {
  const level = record.level.toUpperCase().padEnd(5);
  const fields = logFields(record).map(([name, value]) => ` ${visible(name)}=${fieldValue(value)}`);
  return (
    `${record.timestamp.toISOString()} ${visible(level)} [${visible(record.worker_id)}] ` +
    `${visible(record.logger)}: ${visible(record.msg)}${fields.join('')}`
  );
}

/** A record as plain JSON data (the time as an ISO string), fields as properties. */
export function logObject(record: LogRecord): Record<string, unknown> {
  const { timestamp, ...rest } = record;
  const time = Number.isNaN(timestamp.getTime()) ? null : timestamp.toISOString();
  return { ...rest, timestamp: time };
}
