/**
 * Running the built `rushnet` binary (dist/cli/main.js) in tests: to the end (`rushnet`), or
 * as a child process to read from, signal and wait for (`startRushnet`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisUrl, trackProcess } from './network.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = join(root, 'dist/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails early with the way out when the CLI is not built. */
export function requireBuild(): void {
  if (!existsSync(bin))
    throw new Error('the CLI is not built: run `npm run build` (npm test does it for you)');
}

/** Runs `rushnet args…` to the end, with REDIS_URL set to the test server unless `env` says otherwise. */
export function rushnet(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: root,
        env: { ...process.env, REDIS_URL: redisUrl(), ...env },
        timeout: 120_000,
        maxBuffer: 256 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A running `rushnet` process, with what it printed so far and its end. */
export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `rushnet args…` (tracked by the leak guard); `env` is added to the test's own. */
export function startRushnet(
  args: string[],
  env: Record<string, string | undefined> = {},
): RunningCli {
  const child = trackProcess(
    spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}
