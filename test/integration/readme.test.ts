// The documentation's code runs: README.md's and docs/*.md's blocks marked `<!-- runnable -->`
// are type-checked (strict, no casts needed) and run against the test Redis; blocks marked
// `<!-- typecheck -->` (SSH, Slurm, servers of their own) are type-checked only.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  codeDirectory,
  type DocBlock,
  markedBlocks,
  root,
  runCode,
  typeErrors,
  writeCode,
} from './doc-code.js';

const pages = [
  'README.md',
  ...readdirSync(`${root}docs`)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const blocks = pages.flatMap((page) => markedBlocks(page));
const code = codeDirectory();
afterAll(() => code.remove());

/** The file a block is written to: TypeScript as `.ts`, JavaScript as `.mjs` (ESM). */
function fileOf(block: DocBlock): string {
  const name = block.where.replace(/[^\w]+/g, '-');
  return writeCode(
    code.dir,
    `${name}.${/^(ts|typescript)$/.test(block.lang) ? 'ts' : 'mjs'}`,
    block.code,
  );
}
const files = new Map(blocks.map((block) => [block, fileOf(block)]));

describe('documentation code', () => {
  it('marks code blocks in the README and the docs', () => {
    expect(blocks.filter((b) => b.where.startsWith('README.md') && b.mode === 'run')).toHaveLength(
      1,
    );
    expect(blocks.filter((b) => b.mode === 'run').length).toBeGreaterThan(5);
  });

  it('type-checks every marked TypeScript block under the strict settings', () => {
    const ts = [...files].filter(([b]) => b.lang === 'ts').map(([, file]) => file);
    expect(ts.length).toBeGreaterThan(5);
    expect(typeErrors(ts)).toEqual([]);
  }, 180_000); // the compiler on a loaded machine

  it("the front page's example runs and prints its results", async () => {
    const block = blocks.find((b) => b.where.startsWith('README.md') && b.mode === 'run')!;
    const stdout = await runCode(files.get(block)!);
    expect(stdout.trim().split('\n').sort()).toEqual(['1 1', '2 4', '3 9']);
  });

  it('getting started shows examples/quickstart.ts as it is', () => {
    const page = readFileSync(`${root}docs/getting-started.md`, 'utf8');
    const example = readFileSync(`${root}examples/quickstart.ts`, 'utf8');
    expect(page).toContain(example.replace(/^(\/\/.*\n)+/, '').trim());
  });

  for (const block of blocks.filter((b) => b.mode === 'run' && !b.where.startsWith('README'))) {
    it(`${block.where} runs`, async () => {
      await runCode(files.get(block)!);
    });
  }
});
