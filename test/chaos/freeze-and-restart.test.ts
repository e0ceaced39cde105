/**
 * Chaos: a heartbeat worker frozen (SIGSTOP) for less and for more than its expiry; a manager
 * killed and replaced by a new one.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { killAndWait, manager, newNetworkId, pidAlive, waitUntil } from '../helpers/network.js';
import { announce, privateServer, random, seeds, sleep, stopAll, verifyAndReset } from './chaos.js';

const files = privateServer();

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('chaos: freezes and a replaced manager', () => {
  it.each(seeds())(
    'SIGSTOP below the heartbeat expiry is harmless; above it the worker is lost and its late finish discarded (seed %i)',
    async (seed) => {
      announce('sigstop', seed);
      const rng = random(seed);
      const rush = await manager(newNetworkId(), files.server.url);
      const [id] = await rush.startLocalWorkers(
        async (rush: RushWorker) => {
          while (!rush.terminated) {
            const [key] = await rush.pushRunningTasks([{ at: Date.now() }]);
            await new Promise((r) => setTimeout(r, 300));
            await rush.finishTasks([key!], [{ y: 1 }]);
          }
        },
        { nWorkers: 1, heartbeatPeriod: 1, heartbeatExpire: 3 },
      );
      await rush.waitForWorkers({ workerIds: [id!], timeout: 60 });
      const child = rush.processes.get(id!)!;

      // Frozen for less than the expiry: never lost.
      child.kill('SIGSTOP');
      const until = Date.now() + rng.int(500, 1500);
      while (Date.now() < until) {
        expect(await rush.detectLostWorkers()).toEqual([]);
        await sleep(100);
      }
      child.kill('SIGCONT');
      await waitUntil(async () => (await rush.nFinishedTasks()) >= 3, {
        what: 'the thawed worker to carry on',
      });
      expect(await rush.detectLostWorkers()).toEqual([]);

      // Frozen for longer: lost, its running task failed; what it finishes afterwards is discarded.
      await waitUntil(async () => (await rush.nRunningTasks()) === 1, { what: 'a running task' });
      child.kill('SIGSTOP');
      const [frozenTask] = await rush.runningTasks();
      const lost = await waitUntil(
        async () => {
          const ids = await rush.detectLostWorkers();
          return ids.length > 0 ? ids : undefined;
        },
        { timeoutMs: 15_000, what: 'the frozen worker to be lost' },
      );
      expect(lost).toEqual([id]);
      expect(await rush.isFailedTask([frozenTask!])).toEqual([true]);
      child.kill('SIGCONT');
      // Thawed, it finds itself dropped: its late finish is discarded and logged, and it stops.
      await waitUntil(() => child.exitCode !== null, {
        timeoutMs: 15_000,
        what: 'the dropped worker to stop',
      });
      const log = await rush.readLog();
      expect(log.some((r) => r.level === 'warn' && /discarded/.test(r.msg))).toBe(true);
      expect(await rush.isFailedTask([frozenTask!])).toEqual([true]);
      expect((await rush.finishedTasks()).includes(frozenTask!)).toBe(false);
      await stopAll(rush);
      await verifyAndReset(files.raw, rush, { settled: true, reportedLost: lost });
    },
  );

  it.each(seeds())(
    'a manager killed and a new one started reads every result, then only new ones (seed %i)',
    async (seed) => {
      announce('manager-restart', seed);
      const rng = random(seed);
      const networkId = newNetworkId();
      const total = 200;
      // The first manager: a process of its own, with workers that outlive it.
      const script = `
      import { Rush } from './src/index.ts';
      const rush = await new Rush({ networkId: process.env.NETWORK, config: process.env.URL }).connect();
      const loop = { module: new URL('./test/fixtures/chaos-loops.mjs', 'file://${root}'), export: 'queue' };
      const ids = await rush.startLocalWorkers(loop, { nWorkers: 2, args: [15], supervise: false, heartbeatPeriod: 1, heartbeatExpire: 3 });
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      await rush.pushTasks(Array.from({ length: ${total} }, (_, x) => ({ x })));
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
      const first = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: root,
          env: { ...process.env, URL: files.server.url, NETWORK: networkId },
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      try {
        await new Promise((resolve) => first.stdout!.once('data', resolve));
        const rush = await manager(networkId, files.server.url);
        await waitUntil(async () => (await rush.nFinishedTasks()) >= rng.int(10, 100), {
          what: 'some results',
        });
        first.kill('SIGKILL');
        await waitUntil(() => first.signalCode !== null, { what: 'the first manager to die' });

        const seen = (await rush.fetchNewTasks()).map((r) => r.key);
        expect(seen.length).toBeGreaterThan(0);
        while (seen.length < total)
          seen.push(...(await rush.fetchNewTasks({ timeout: 5 })).map((r) => r.key));
        expect(new Set(seen).size).toBe(seen.length); // no duplicates
        expect(seen.length).toBe(total);
        expect(seen).toEqual(await rush.finishedTasks()); // in finish order
        expect((await rush.fetchFinishedTasks()).map((r) => r.key)).toEqual(seen);
        expect(await rush.fetchNewTasks()).toEqual([]);

        // The workers outlived their manager: the new one stops them through their heartbeats.
        const pids = (await rush.workerInfo()).map((w) => w.pid);
        await rush.stopWorkers({ type: 'kill' });
        await waitUntil(() => !pids.some(pidAlive), {
          timeoutMs: 15_000,
          what: 'the workers to be killed',
        });
        await verifyAndReset(files.raw, rush, { settled: true });
      } finally {
        await killAndWait(first);
      }
    },
  );
});
