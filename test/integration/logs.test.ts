import { describe, expect, it, vi } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, rawClient, waitUntil, worker } from '../helpers/network.js';

describe('worker logs in Redis', () => {
  it('readLog returns the records of a local worker loop at or above the thresholds', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        const app = rush.getLogger('myapp');
        app.debug({ step: 1 }, 'app detail');
        app.info('app started');
        rush.logger.debug('rushnet detail (below threshold)');
        rush.logger.warn('rushnet warning');
      },
      { nWorkers: 1, logThresholds: { rushnet: 'info', myapp: 'debug' } },
    );
    await waitUntil(() => rush.processes.get(id!)!.exitCode !== null, {
      timeoutMs: 30_000,
      what: 'the worker to finish',
    });
    const records = await rush.readLog({ timeDifference: true });
    expect(records.map((r) => [r.logger, r.level, r.msg])).toEqual([
      ['myapp', 'debug', 'app detail'],
      ['myapp', 'info', 'app started'],
      ['rushnet', 'warn', 'rushnet warning'],
    ]);
    expect(records[0]).toMatchObject({ worker_id: id, step: 1, time_difference: 0 });
    expect(
      records.every(
        (r) => r.timestamp instanceof Date && r.timestamp.getTime() > Date.now() - 60_000,
      ),
    ).toBe(true);
    expect(
      records.every((r) => typeof r.time_difference === 'number' && r.time_difference >= 0),
    ).toBe(true);
    expect(await rush.readLog({ workerIds: ['someone-else'] })).toEqual([]);
  });

  it('buffers records, caps each list at the newest entries, and printLog prints each once', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, {
      logThresholds: { rushnet: 'info' },
      logBufferSize: 3,
      maxLogEntries: 5,
    });
    const key = new RushKeys(id).log(w.workerId);
    const raw = rawClient();
    w.logger.info('one');
    w.logger.info('two');
    w.logger.info('three');
    expect(await raw.llen(key)).toBe(0); // still buffered
    for (let i = 4; i <= 20; i++) w.logger.info(`record ${i}`);
    await w.setTerminated(); // flushes
    expect(await raw.llen(key)).toBe(5);
    expect((await rush.readLog()).map((r) => r.msg)).toEqual([
      'record 16',
      'record 17',
      'record 18',
      'record 19',
      'record 20',
    ]);

    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await rush.printLog();
      await rush.printLog();
      w.logger.warn('later');
      await w.close();
      await rush.printLog();
      const printed = write.mock.calls.map((c) => String(c[0])).join('');
      expect(printed.match(/record 20/g)).toHaveLength(1);
      expect(printed).toMatch(/Z WARN {2}\[[^\]]+\] rushnet: later\n/);
      expect(printed).not.toContain('record 15');
    } finally {
      write.mockRestore();
    }
  });
});
