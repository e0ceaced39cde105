// The examples in examples/ run as they are (TypeScript through tsx, JavaScript with node), with
// 'rushnet' pointed at the sources, and the TypeScript ones type-check under the strict settings.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { codeDirectory, root, runCode, typeErrors, writeCode } from './doc-code.js';

const code = codeDirectory();
afterAll(() => code.remove());

/** Writes an example with its imports pointed at the sources; returns the path. */
function example(name: string): string {
  return writeCode(code.dir, name, readFileSync(`${root}examples/${name}`, 'utf8'));
}

describe('examples', () => {
  it('the TypeScript examples type-check', () => {
    const names = readdirSync(`${root}examples`).filter((name) => name.endsWith('.ts'));
    expect(names.sort()).toEqual(['branin.ts', 'queue.ts', 'quickstart.ts']);
    expect(typeErrors(names.map(example))).toEqual([]);
  }, 180_000); // the compiler on a loaded machine

  for (const name of ['quickstart.ts', 'quickstart.mjs']) {
    it(`${name}: a decentralized loop in one process`, async () => {
      const out = await runCode(example(name));
      expect(out).toMatch(/^50 tasks finished; best x = -?\d+\.\d{3}, y = \d+\.\d{5}$/m);
    });
  }

  for (const name of ['queue.ts', 'queue.mjs']) {
    it(`${name}: the manager pushes, workers pop`, async () => {
      const out = await runCode(example(name));
      expect(out).toMatch(/^100 tasks finished; sum of y = 328350$/m);
      const counts = [...out.matchAll(/worker \w+: (\d+) tasks/g)].map((m) => Number(m[1]));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
    });
  }

  for (const name of ['branin.ts', 'branin.mjs']) {
    it(`${name}: a decentralized search that the manager watches`, async () => {
      const out = await runCode(example(name), { BUDGET: '60' });
      expect(out).toMatch(/evaluations: best y = \d+\.\d{5}/);
      expect(out).toMatch(/^done: \d+ evaluations by [12] worker\(s\); the minimum is 0.397887$/m);
    });
  }
});
