/**
 * A finished task's values are stored once: in its record in the finished-records log. Its hash
 * is rebuilt without them (a compact listpack, whatever the size of its values) and holds the
 * record's place, and every read by key gets the same bytes it got before the task finished.
 */
import { describe, expect, it } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';
import { SCRIPT_SOURCES } from '../../src/redis/scripts/index.js';
import { encodeValue } from '../../src/tasks/codec.js';
import { manager, newNetworkId, rawClient, worker } from '../helpers/network.js';

const VALUE_FIELDS = ['xs', 'ys', 'xs_extra', 'ys_extra', 'condition'];

/** Ten parameters: an xs longer than the 64 bytes a listpack holds in one value. */
const inputOf = (i: number) =>
  Object.fromEntries(Array.from({ length: 10 }, (_, j) => [`x${j}`, i * 10 + j + 0.5]));

/** The raw bytes read_hashes.lua returns for `fields` of `key` (what every read by key decodes). */
async function rawValues(id: string, key: string, fields: string[]): Promise<(Buffer | null)[]> {
  const k = new RushKeys(id);
  const reply = (await rawClient().callBuffer(
    'EVAL',
    SCRIPT_SOURCES.get('read_hashes')!,
    2,
    k.tasks,
    k.finishedRecords,
    k.taskPrefix,
    fields.length,
    ...fields,
    key,
  )) as (Buffer | number | null)[];
  return reply.slice(1) as (Buffer | null)[];
}

/** The fields a task's hash holds, and its encoding. */
async function hashOf(id: string, key: string) {
  const hash = new RushKeys(id).task(key);
  return {
    fields: (await rawClient().hkeys(hash)).sort(),
    encoding: await rawClient().object('ENCODING', hash),
  };
}

describe('a finished task stored once', () => {
  it.each(['finishTasks', 'processTasks', 'pushFinishedTasks'] as const)(
    'after %s its hash is a listpack without values, and reads by key get the same bytes',
    async (how) => {
      const id = newNetworkId();
      const rush = await manager(id);
      const w = await worker(id);
      const fields = ['xs', 'ys', 'xs_extra', 'ys_extra'];
      const xs = [inputOf(1), inputOf(2)];
      const extra = {
        xssExtra: [{ tag: 'a long extra value that does not fit a listpack entry' }],
      };
      let keys: string[];
      let before: (Buffer | null)[][] = [];
      if (how === 'pushFinishedTasks') {
        keys = await rush.pushFinishedTasks(xs, [{ y: 1 }, { y: 2 }], extra);
        before = keys.map((_, i) => [
          encodeValue(xs[i], 'xs'),
          encodeValue({ y: i + 1 }, 'ys'),
          encodeValue(extra.xssExtra[0], 'xs_extra'),
          null,
        ]);
      } else {
        keys = await rush.pushTasks(xs, extra);
        if (how === 'finishTasks') {
          const tasks = await w.popTasks(2, { timeout: 0 });
          expect(tasks.map((t) => t.key)).toEqual(keys);
          before = await Promise.all(keys.map((key) => rawValues(id, key, fields)));
          expect((await hashOf(id, keys[0]!)).encoding).toBe('hashtable');
          await w.finishTasks(keys, [{ y: 1 }, { y: 2 }], { yssExtra: [{ e: 1 }, { e: 2 }] });
        } else {
          before = await Promise.all(keys.map((key) => rawValues(id, key, fields)));
          await w.processTasks(async (task) => ({ y: (task.xs.x0 as number) > 15 ? 2 : 1 }), {
            maxTasks: 2,
            timeout: 0.1,
          });
        }
        const ys = [encodeValue({ y: 1 }, 'ys'), encodeValue({ y: 2 }, 'ys')];
        const ysExtra = [encodeValue({ e: 1 }, 'ys_extra'), encodeValue({ e: 2 }, 'ys_extra')];
        before = before.map((v, i) => [
          v[0]!,
          ys[i]!,
          v[2]!,
          how === 'finishTasks' ? ysExtra[i]! : null,
        ]);
      }
      for (const [i, key] of keys.entries()) {
        const hash = await hashOf(id, key);
        expect(hash.encoding).toBe('listpack');
        for (const field of VALUE_FIELDS) expect(hash.fields).not.toContain(field);
        expect(hash.fields).toEqual(expect.arrayContaining(['state', 'finished_index']));
        expect(await rawValues(id, key, fields)).toEqual(before[i]);
      }
      expect(await rush.readHash(keys[1]!, ['xs', 'ys'])).toEqual({
        key: keys[1],
        xs: xs[1],
        ys: { y: 2 },
      });
      // The same rows by key (the hashes) as from the records log.
      expect(await rush.fetchTasks()).toEqual(await rush.fetchFinishedTasks());
    },
  );

  it('a task of small values (a listpack all along) finishes without its values too', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys = await w.pushRunningTasks([{ x: 1 }, { x: 2 }], { xssExtra: [{ e: 'e' }] });
    await rush.writeHashes({ report: ['kept'] }, { keys: [keys[0]!] });
    expect((await hashOf(id, keys[0]!)).encoding).toBe('listpack');
    await w.finishTasks(keys, [{ y: 1 }, { y: 2 }]);
    const hash = await hashOf(id, keys[0]!);
    expect(hash.encoding).toBe('listpack');
    for (const field of VALUE_FIELDS) expect(hash.fields).not.toContain(field);
    expect(hash.fields).toContain('report');
    expect(await rush.readHash(keys[0]!, ['xs', 'ys', 'xs_extra', 'report'])).toEqual({
      key: keys[0],
      xs: { x: 1 },
      ys: { y: 1 },
      xs_extra: { e: 'e' },
      report: 'kept',
    });
    expect(await rush.fetchTasks()).toEqual(await rush.fetchFinishedTasks());
  });

  it('writeHashes of ys on a finished task rewrites its record; other fields stay in the hash', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushFinishedTasks([inputOf(1), inputOf(2)], [{ y: 1 }]);
    const records = new RushKeys(id).finishedRecords;
    const first = await rawClient().lindexBuffer(records, 0);
    await rush.writeHashes({ ys: [{ y: 20, more: 'text' }], report: ['ok'] }, { keys: [keys[1]!] });
    expect(await rawClient().lindexBuffer(records, 0)).toEqual(first);
    expect(await rush.readHash(keys[1]!, ['xs', 'ys', 'report'])).toEqual({
      key: keys[1],
      xs: inputOf(2),
      ys: { y: 20, more: 'text' },
      report: 'ok',
    });
    const hash = await hashOf(id, keys[1]!);
    expect(hash.encoding).toBe('listpack');
    expect(hash.fields).toContain('report');
    for (const field of VALUE_FIELDS) expect(hash.fields).not.toContain(field);
    const rows = await (await manager(id)).fetchFinishedTasks({ fields: ['xs', 'ys'] });
    expect(rows[1]).toEqual({ key: keys[1], ...inputOf(2), y: 20, more: 'text' });
    expect(await rush.fetchTasks({ fields: ['xs', 'ys'] })).toEqual(rows);
    // Written twice, then a field that is no value: the record follows, the values stay out.
    await rush.writeHashes({ xs_extra: [{ e: 'x' }] }, { keys: [keys[1]!] });
    await rush.writeHashes({ report: ['again'] }, { keys: [keys[1]!] });
    expect(await rush.readHash(keys[1]!, ['ys', 'xs_extra', 'report'])).toEqual({
      key: keys[1],
      ys: { y: 20, more: 'text' },
      xs_extra: { e: 'x' },
      report: 'again',
    });
    expect((await hashOf(id, keys[1]!)).fields).not.toContain('xs_extra');
  });

  it('values that are not maps (an array record) are read back as the bytes they were', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await w.pushRunningTasks([inputOf(1)]);
    const foreign = encodeValue([1, 'two', { three: 3 }], 'xs');
    const condition = encodeValue({ message: 'kept' }, 'condition');
    await rawClient().hset(new RushKeys(id).task(key!), 'xs', foreign, 'condition', condition);
    await w.finishTasks([key!], [{ y: 1 }]);
    expect((await hashOf(id, key!)).fields).not.toContain('xs');
    expect(await rawValues(id, key!, ['condition', 'xs', 'ys', 'ys_extra'])).toEqual([
      condition,
      foreign,
      encodeValue({ y: 1 }, 'ys'),
      null,
    ]);
    await rush.writeHashes({ ys: [{ y: 2 }] }, { keys: [key!] });
    expect(await rawValues(id, key!, ['xs', 'ys'])).toEqual([foreign, encodeValue({ y: 2 }, 'ys')]);
  });
});
