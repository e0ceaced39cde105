/**
 * The log levels, in one list: rushnet's logger, worker log thresholds, `rushnet logs --level`
 * and the dashboard all use these names and ranks (pino's).
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's numeric rank of each level a record can have (`silent` is a threshold only). */
export const LEVEL_RANK: Readonly<Record<Exclude<LogLevel, 'silent'>, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export function isLogLevel(value: unknown): value is LogLevel {
  return (LOG_LEVELS as readonly unknown[]).includes(value);
}
