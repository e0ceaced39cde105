/**
 * rushnet's own structured logger (pino), named `rushnet`. Warnings go to stderr.
 * The level comes from `RUSHNET_LOG_LEVEL` (default `warn`).
 */
import { type Logger, pino } from 'pino';
import { isLogLevel } from './levels.js';

export type { Logger };

const envLevel = process.env.RUSHNET_LOG_LEVEL;

const stderr = pino.destination({ fd: 2, sync: true });

/** The `rushnet` logger. */
export const logger: Logger = pino(
  { name: 'rushnet', level: isLogLevel(envLevel) ? envLevel : 'warn' },
  stderr,
);

const named = new Map<string, Logger>([['rushnet', logger]]);

/** A logger of the given name (level `info` unless set), writing to stderr like `rushnet`. */
export function getLogger(name: string): Logger {
  let found = named.get(name);
  if (!found) {
    found = pino({ name, level: 'info' }, stderr);
    named.set(name, found);
  }
  return found;
}
