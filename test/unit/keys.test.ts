/**
 * Unit tests of RushKeys: one hash slot per network, no key name outside keys.ts, and the
 * literal names pinned (the one test that spells them: every other test takes them from
 * RushKeys). A renamed key strands the data of existing networks and the tools that read them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';

describe('RushKeys', () => {
  const k = new RushKeys('net-1');

  it('puts every key of a network behind its hash tag', () => {
    const keys = [
      k.tasks,
      k.queued,
      k.running,
      k.finished,
      k.failed,
      k.finishedRecords,
      k.extraHashes,
      k.workers,
      k.runningWorkers,
      k.terminatedWorkers,
      k.poppers,
      k.terminateAll,
      k.workerConfig,
      k.events,
      k.control,
      k.lostSweep,
      k.task('t'),
      k.worker('w'),
      k.pending('w'),
      k.lastPop('w'),
      k.heartbeat('w'),
      k.log('w'),
      k.terminate('w'),
      k.kill('w'),
      ...k.workerRegistry,
      ...k.perWorkerPrefixes,
    ];
    for (const key of keys) expect(key.startsWith('rush:{net-1}:')).toBe(true);
    expect(new Set(keys.slice(0, 24)).size).toBe(24); // no two names collide
  });

  it('builds per-worker keys from their prefixes', () => {
    expect(k.worker('w')).toBe(`${k.workerPrefix}w`);
    expect(k.heartbeat('w')).toBe(`${k.heartbeatPrefix}w`);
    expect(k.pending('w')).toBe(`${k.pendingPrefix}w`);
    expect(k.lastPop('w')).toBe(`${k.lastPopPrefix}w`);
    expect(k.task('t')).toBe(`${k.taskPrefix}t`);
  });

  it('finds the network of a key', () => {
    expect(RushKeys.networkOf(k.tasks)).toBe('net-1');
    expect(RushKeys.networkOf(new RushKeys('a:b').task('x'))).toBe('a:b');
    expect(RushKeys.networkOf('other:key')).toBeUndefined();
  });

  it('is the only place that spells key names: no Lua script builds one', () => {
    const dir = new URL('../../src/redis/scripts/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua'))) {
      const source = readFileSync(new URL(file, dir), 'utf8').replace(/--.*$/gm, '');
      expect(source, file).not.toMatch(
        /'(task|worker|heartbeat|pending|last_pop|log|kill|terminate):'/,
      );
      expect(source, file).not.toMatch(/rush:\{/);
    }
  });
});

describe('the key names', () => {
  it('are the ones existing networks use, spelled out', () => {
    const k = new RushKeys('net-1');
    expect({
      prefix: k.prefix,
      tasks: k.tasks,
      queued: k.queued,
      running: k.running,
      finished: k.finished,
      failed: k.failed,
      finishedRecords: k.finishedRecords,
      extraHashes: k.extraHashes,
      workers: k.workers,
      runningWorkers: k.runningWorkers,
      terminatedWorkers: k.terminatedWorkers,
      poppers: k.poppers,
      terminateAll: k.terminateAll,
      workerConfig: k.workerConfig,
      events: k.events,
      control: k.control,
      trash: k.trash,
      lostSweep: k.lostSweep,
      task: k.task('t'),
      worker: k.worker('w'),
      heartbeat: k.heartbeat('w'),
      log: k.log('w'),
      terminate: k.terminate('w'),
      kill: k.kill('w'),
      pending: k.pending('w'),
      lastPop: k.lastPop('w'),
      trashPrefix: k.trashPrefix('r'),
    }).toEqual({
      prefix: 'rush:{net-1}:',
      tasks: 'rush:{net-1}:tasks',
      queued: 'rush:{net-1}:queued',
      running: 'rush:{net-1}:running',
      finished: 'rush:{net-1}:finished',
      failed: 'rush:{net-1}:failed',
      finishedRecords: 'rush:{net-1}:finished_records',
      extraHashes: 'rush:{net-1}:extra_hashes',
      workers: 'rush:{net-1}:workers',
      runningWorkers: 'rush:{net-1}:running_workers',
      terminatedWorkers: 'rush:{net-1}:terminated_workers',
      poppers: 'rush:{net-1}:poppers',
      terminateAll: 'rush:{net-1}:terminate',
      workerConfig: 'rush:{net-1}:worker_config',
      events: 'rush:{net-1}:events',
      control: 'rush:{net-1}:events:control',
      trash: 'rush:{net-1}:trash',
      lostSweep: 'rush:{net-1}:lost_sweep',
      task: 'rush:{net-1}:task:t',
      worker: 'rush:{net-1}:worker:w',
      heartbeat: 'rush:{net-1}:heartbeat:w',
      log: 'rush:{net-1}:log:w',
      terminate: 'rush:{net-1}:terminate:w',
      kill: 'rush:{net-1}:kill:w',
      pending: 'rush:{net-1}:pending:w',
      lastPop: 'rush:{net-1}:last_pop:w',
      trashPrefix: 'rush:{net-1}:trash:r:',
    });
    expect(RushKeys.ANY_NETWORK_PATTERN).toBe('rush:{*}:*');
  });
});
