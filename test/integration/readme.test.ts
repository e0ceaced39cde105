import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/network.js';
import { repoRoot as root, runAgainstSources } from '../helpers/sources.js';

/** Runs code against the sources, as if 'rushnet' were installed. */
const runCode = (code: string) => runAgainstSources(code, { REDIS_URL: redisUrl() });

describe('README', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const example = readFileSync(`${root}examples/quickstart.mjs`, 'utf8');

  it('shows the quick-start example as it is in examples/', () => {
    const body = example.replace(/^(\/\/.*\n)+/, '');
    expect(readme).toContain(body.trim());
  });

  it('the quick-start example runs and prints its results', async () => {
    const stdout = await runCode(example);
    expect(stdout).toMatch(/^50 tasks finished; best x = -?\d+\.\d{3}, y = \d+\.\d{5}$/m);
  });

  it('the workers example runs', async () => {
    const section = readme.slice(readme.indexOf('## Workers'));
    const code = section.match(/```js\n([\s\S]*?)```/)?.[1];
    expect(code).toContain('startLocalWorkers');
    const stdout = await runCode(code!);
    for (const [x, y] of [
      [1, 1],
      [2, 4],
      [3, 9],
    ]) {
      expect(stdout).toMatch(new RegExp(`x: ${x},\\s+y: ${y}`));
    }
  });
});
