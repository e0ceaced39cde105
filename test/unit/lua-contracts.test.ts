/**
 * Each Lua script declares its contract in its own first lines (`--- @keys`, `--- @include`;
 * src/redis/scripts/contract.ts). These tests hold the rest of the code to it: every typed
 * wrapper of calls.ts passes exactly the keys its script declares, in order; every script is
 * registered and reached by a wrapper; a script uses no KEYS beyond those it declares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';
import * as calls from '../../src/redis/scripts/calls.js';
import { parseContract } from '../../src/redis/scripts/contract.js';
import { SCRIPT_NAMES, type ScriptCall, scriptContract } from '../../src/redis/scripts/index.js';

const folder = new URL('../../src/redis/scripts/', import.meta.url);
const luaFiles = readdirSync(folder).filter((file) => file.endsWith('.lua'));

/**
 * RushKeys whose every key is its own member name in angle brackets (`<running>`,
 * `pending(id)` → `<pending>`), so a wrapper's keys say which members it passed.
 */
function namingKeys(): RushKeys {
  const real = new RushKeys('contract-test');
  return new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof property !== 'string' || Array.isArray(value)) return value;
      if (typeof value === 'function') return () => `<${property}>`;
      return typeof value === 'string' ? `<${property}>` : value;
    },
  });
}

/** One call of each wrapper, with arguments of the right shape. */
const samples: Record<string, (k: RushKeys) => ScriptCall<unknown>> = {
  pushTasks: (k) => calls.pushTasks(k, { state: 'queued', workerId: '', fields: [], tasks: [] }),
  popTask: (k) =>
    calls.popTask(k, {
      popperId: 'p',
      workerId: 'w',
      claim: '',
      count: 1,
      request: 'r',
      fields: [],
    }),
  completeAndPop: (k) =>
    calls.completeAndPop(k, {
      popperId: 'p',
      workerId: 'w',
      completions: [],
      count: 1,
      request: 'r',
      fields: [],
    }),
  finishTasks: (k) => calls.finishTasks(k, '', []),
  failTasks: (k) => calls.failTasks(k, { caller: '', retry: true, request: 'r', tasks: [] }),
  queuedCount: (k) => calls.queuedCount(k),
  cancelTasks: (k) => calls.cancelTasks(k, { condition: '', keys: [] }),
  emptyQueue: (k) => calls.emptyQueue(k, { wholeQueueCondition: '', tasks: [] }),
  readCollection: (k) =>
    calls.readCollection(k, {
      kind: 'list',
      collection: k.finished,
      from: 0,
      to: 1,
      fieldKinds: '',
      fields: [],
    }),
  vanishedFinished: (k) => calls.vanishedFinished(k, { from: 0, to: 1 }),
  readHashes: (k) => calls.readHashes(k, { fields: [], keys: [] }),
  writeHashes: (k) => calls.writeHashes(k, { fields: [], hashes: [] }),
  waitStatus: (k) => calls.waitStatus(k, []),
  registerWorker: (k) =>
    calls.registerWorker(k, { workerId: 'w', now: 0, heartbeatExpire: undefined, info: {} }),
  loseWorkers: (k) =>
    calls.loseWorkers(k, { workerIds: [], condition: Buffer.alloc(0), expiredHeartbeats: false }),
  sweepLostTasks: (k) => calls.sweepLostTasks(k, []),
  workerInfo: (k) => calls.workerInfo(k),
  recoverPending: (k) => calls.recoverPending(k, { managerPrefix: 'm' }),
  reset: (k) => calls.reset(k, { workers: true, trashId: 't' }),
  purgeTrash: (k) => calls.purgeTrash(k, { budget: 1 }),
  heartbeat: (k) => calls.heartbeat(k, { workerId: 'w', expire: 3 }),
};

/** The calls of readCollection's other form: the keys of a snapshot, read through `tasks`. */
const moreSamples: ((k: RushKeys) => ScriptCall<unknown>)[] = [
  (k) => calls.readCollection(k, { kind: 'keys', keys: ['a'], fieldKinds: '', fields: [] }),
  (k) =>
    calls.readCollection(k, {
      kind: 'list',
      collection: k.tasks,
      from: 0,
      to: 1,
      fieldKinds: '',
      fields: [],
    }),
  (k) => calls.pushTasks(k, { state: 'finished', workerId: '', fields: [], tasks: [] }),
  (k) => calls.reset(k, { workers: false, trashId: 't' }),
];

describe('Lua script contracts', () => {
  it('every wrapper of calls.ts has a sample here (a new wrapper must be added)', () => {
    const wrappers = Object.entries(calls)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name)
      .sort();
    expect(wrappers).toEqual(Object.keys(samples).sort());
  });

  it('every wrapper passes exactly the keys its script declares, in order', () => {
    const k = namingKeys();
    for (const make of [...Object.values(samples), ...moreSamples]) {
      const call = make(k);
      const contract = scriptContract(call.script);
      const passed = call.keys.map((key) => key.replace(/^<(.*)>$/, '$1'));
      if (contract.variableKeys)
        expect(passed.length, call.script).toBeGreaterThanOrEqual(contract.keys.length);
      else expect(passed.length, `${call.script}: number of keys`).toBe(contract.keys.length);
      contract.keys.forEach((alternatives, i) => {
        expect(alternatives, `${call.script}: KEYS[${i + 1}]`).toContain(passed[i]);
      });
    }
  });

  it('every script is registered and reached by a wrapper', () => {
    const scripts = luaFiles.filter((f) => !f.startsWith('_')).map((f) => f.slice(0, -4));
    expect([...SCRIPT_NAMES].sort()).toEqual(scripts.sort());
    const reached = new Set(Object.values(samples).map((make) => make(namingKeys()).script));
    expect([...reached].sort()).toEqual([...SCRIPT_NAMES].sort());
  });

  it('a script uses no KEYS beyond those it declares, and includes only pieces that exist', () => {
    for (const name of SCRIPT_NAMES) {
      const source = readFileSync(new URL(`${name}.lua`, folder), 'utf8');
      const contract = scriptContract(name);
      for (const piece of contract.includes) expect(luaFiles, name).toContain(`${piece}.lua`);
      if (contract.variableKeys) continue;
      const used = [...source.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      expect(Math.max(0, ...used), `${name} uses KEYS beyond its declaration`).toBeLessThanOrEqual(
        contract.keys.length,
      );
    }
  });

  it('reads declarations only from the first lines, and refuses a script without keys', () => {
    const contract = parseContract(
      'x',
      '--- @keys a|b c ...\n--- @include _y\n-- @keys not-this\n',
    );
    expect(contract).toEqual({ keys: [['a', 'b'], ['c']], variableKeys: true, includes: ['_y'] });
    expect(() => parseContract('x', '-- a comment\n--- @keys a\n')).toThrow(
      /x\.lua declares no keys/,
    );
  });
});
