// Stored worker loops: what survives the trip from the manager's source to a worker.
import { describe, expect, it } from 'vitest';
import { RushInputError } from '../../src/index.js';
import { loadLoop, storeLoop } from '../../src/worker-config/loop.js';

describe('worker loops sent as source', () => {
  it('runs a loop that esbuild compiled with its __name helper (tsx, vitest)', async () => {
    // What esbuild's keepNames makes of a loop with a named inner function.
    const compiled = new Function(
      '__name',
      'return async (rush, n) => { const inner = __name(function () { return n * 2; }, "inner"); return inner.name + " " + inner(); };',
    )((f: object) => f);
    const loop = await loadLoop(storeLoop(compiled));
    expect(await loop(undefined as never, 21)).toBe('inner 42');
  });

  it('refuses a method shorthand, which is not an expression', () => {
    const holder = {
      loop() {
        return 1;
      },
    };
    expect(() => storeLoop(holder.loop)).toThrow(RushInputError);
  });
});
