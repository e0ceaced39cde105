import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killAndWait, pidAlive, redisUrl, waitUntil } from '../helpers/network.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const spawned: ChildProcess[] = [];
const workerPids: number[] = [];

afterEach(async () => {
  await Promise.all(spawned.splice(0).map(killAndWait));
  for (const pid of workerPids.splice(0)) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
});

/** Starts a manager process with two supervised local workers; resolves to their pids. */
async function managerWithWorkers(
  ending = 'setInterval(() => {}, 1000);',
): Promise<{ manager: ChildProcess; pids: number[] }> {
  const script = `
    import { rsh } from './src/index.ts';
    const rush = await rsh({ config: process.env.URL });
    const ids = await rush.startLocalWorkers(async (rush) => { while (!rush.terminated) await new Promise((r) => setTimeout(r, 50)); }, { nWorkers: 2 });
    await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
    console.log(JSON.stringify((await rush.workerInfo()).map((w) => w.pid)));
    ${ending}
  `;
  const manager = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: root,
      env: { ...process.env, URL: redisUrl() },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  spawned.push(manager);
  let out = '';
  manager.stdout!.on('data', (d) => (out += d));
  const pids = await waitUntil(
    () => (out.includes('\n') ? (JSON.parse(out.split('\n')[0]!) as number[]) : undefined),
    {
      timeoutMs: 60_000,
      what: 'the manager to report its workers',
    },
  );
  workerPids.push(...pids);
  return { manager, pids };
}

describe('supervised workers', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
    'die with the manager on %s',
    async (signal) => {
      const { manager, pids } = await managerWithWorkers();
      expect(pids).toHaveLength(2);
      expect(pids.every(pidAlive)).toBe(true);
      manager.kill(signal);
      await waitUntil(() => !pids.some(pidAlive), {
        timeoutMs: 10_000,
        what: 'the workers to die',
      });
      await waitUntil(() => manager.exitCode !== null || manager.signalCode !== null, {
        what: 'the manager to exit',
      });
    },
  );

  it.each([
    ['a normal exit', 'setTimeout(() => process.exit(0), 200);'],
    ['an uncaught error', 'setTimeout(() => { throw new Error("manager failed"); }, 200);'],
  ])('die with the manager on %s', async (_, ending) => {
    const { manager, pids } = await managerWithWorkers(ending);
    await waitUntil(() => manager.exitCode !== null, { what: 'the manager to exit' });
    await waitUntil(() => !pids.some(pidAlive), { timeoutMs: 10_000, what: 'the workers to die' });
  });
});
