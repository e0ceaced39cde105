import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/network.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

describe('README', () => {
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const example = readFileSync(`${root}/examples/quickstart.mjs`, 'utf8');

  it('shows the quick-start example as it is in examples/', () => {
    const body = example.replace(/^(\/\/.*\n)+/, '');
    expect(readme).toContain(body.trim());
  });

  it('the quick-start example runs and prints its results', async () => {
    // Run the example against the sources, as if 'rushnet' were installed.
    const code = example.replace("from 'rushnet'", `from '${root}/src/index.ts'`);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      {
        cwd: root,
        env: { ...process.env, REDIS_URL: redisUrl() },
        timeout: 30_000,
      },
    );
    expect(stdout).toMatch(/^50 tasks finished; best x = -?\d+\.\d{3}, y = \d+\.\d{5}$/m);
  });
});
