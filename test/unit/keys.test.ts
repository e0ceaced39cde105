/** Unit tests of RushKeys: one hash slot per network, and no key name outside keys.ts. */
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
    expect(new Set(keys.slice(0, 23)).size).toBe(23); // no two names collide
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
