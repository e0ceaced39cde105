/**
 * Small helpers shared by the launchers that drive system programs (ssh, sbatch, squeue,
 * scancel): running a command with a deadline, shell quoting, option checks, and gathering
 * calls made at the same moment into one command.
 */
import { spawn } from 'node:child_process';
import { describeValue, RushInputError } from '../errors.js';

/** Quotes a word for a POSIX shell: `'…'`, each `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface CommandResult {
  /** Exit code; null when killed by a signal or not started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The deadline passed and the command was killed. */
  timedOut: boolean;
  /** The program could not be started (ENOENT: not installed). */
  spawnError?: NodeJS.ErrnoException;
}

/** Keeps the last `max` characters of a stream's text: enough for an error message. */
const MAX_CAPTURE = 64 * 1024;

/** Runs a program to its end (or its deadline), feeding `input` on stdin. */
export function runCommand(
  program: string,
  args: readonly string[],
  { input, env, timeoutMs }: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { env: env ?? process.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout = (stdout + s).slice(-MAX_CAPTURE);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-MAX_CAPTURE);
    });
    child.stdin.on('error', () => {
      // The program exited without reading its input: its exit code tells what happened.
    });
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, spawnError });
    });
  });
}

/** The last lines of a program's stderr, for an error message. */
export function stderrTail(stderr: string, maxLines = 5): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(-maxLines).join(' | ') || '(no message)';
}

/**
 * Gathers the calls made in one tick into one batch per key (e.g. one `scancel` for every
 * worker that `stopWorkers` kills at once, instead of one command per worker).
 */
export class Batcher<R> {
  readonly #pending = new Map<string, { items: string[]; result: Promise<R> }>();

  constructor(private readonly run: (key: string, items: string[]) => Promise<R>) {}

  add(key: string, item: string): Promise<R> {
    let batch = this.#pending.get(key);
    if (!batch) {
      const items: string[] = [];
      const result = new Promise<void>((r) => setImmediate(r)).then(() => {
        this.#pending.delete(key);
        return this.run(key, items);
      });
      batch = { items, result };
      this.#pending.set(key, batch);
    }
    batch.items.push(item);
    return batch.result;
  }
}

/** An optional non-empty string without line breaks (it goes into a command or a script line). */
export function checkText(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n\0]/.test(value)) {
    throw new RushInputError(
      name,
      `must be a non-empty string without line breaks, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** An optional list of strings without line breaks (extra command-line arguments). */
export function checkArgs(name: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new RushInputError(name, `must be an array of strings, got ${describeValue(value)}`);
  }
  value.forEach((v, i) => {
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) {
      throw new RushInputError(
        `${name}[${i}]`,
        `must be a string without line breaks, got ${describeValue(v)}`,
      );
    }
  });
  return value;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Environment variables for workers: valid names, string values without line breaks (they
 * travel as `NAME=value` lines). The message never shows a value: it may be a secret.
 */
export function checkEnv(name: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RushInputError(
      name,
      `must be an object of environment variables, got ${describeValue(value)}`,
    );
  }
  for (const [key, v] of Object.entries(value)) {
    if (!ENV_NAME.test(key)) {
      throw new RushInputError(`${name}.${key}`, 'is not a valid environment variable name');
    }
    if (typeof v !== 'string' || /[\n\0]/.test(v)) {
      throw new RushInputError(
        `${name}.${key}`,
        'must be a string without line breaks (its value is not shown)',
      );
    }
  }
  return value as Record<string, string>;
}

/** Worker ids go into remote shell commands unquoted: keep them to safe characters. */
export function checkWorkerId(workerId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(workerId)) {
    throw new RushInputError(
      'workerId',
      `must consist of letters, digits, '.', '_' and '-', got ${describeValue(workerId)}`,
    );
  }
  return workerId;
}
