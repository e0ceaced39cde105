import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/network.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Runs code against the sources, as if 'rushnet' were installed. */
async function runCode(code: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      code.replace("from 'rushnet'", `from '${root}src/index.ts'`),
    ],
    { cwd: root, env: { ...process.env, REDIS_URL: redisUrl() }, timeout: 60_000 },
  );
  return stdout;
}

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
