/**
 * Waiting on conditions with a deadline, and child processes, for the host tests and their
 * scenario scripts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Polls `condition` until it holds; throws naming `what` when the deadline passes. */
export async function waitFor<T>(
  what: string,
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 30_000, everyMs = 100 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** SIGKILLs a child we started (by its pid) and waits until it has exited. */
export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
}

/**
 * Runs test/hosts/supervised-child.ts with `settings`, waits for the worker it started, then
 * SIGKILLs it (no exit handler runs). Resolves to the worker's id and, for Slurm, its job id.
 */
export async function killedManager(
  settings: Record<string, unknown>,
): Promise<{ workerId: string; jobId: string }> {
  const script = fileURLToPath(new URL('./supervised-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, RN_CHILD: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  try {
    const line = await waitFor(
      'the child manager to start its worker',
      () => {
        if (child.exitCode !== null) throw new Error(`the child manager failed:\n${err}`);
        return out.split('\n').find((l) => l.startsWith('WORKER '));
      },
      { timeoutMs: 90_000 },
    );
    const [, workerId, jobId] = line.split(' ');
    return { workerId: workerId!, jobId: jobId! };
  } finally {
    await killChild(child);
  }
}
