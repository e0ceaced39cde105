import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/network.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** Runs an example against the sources, as if 'rushnet' were installed. */
async function runExample(name: string, env: Record<string, string> = {}): Promise<string> {
  const code = readFileSync(`${root}examples/${name}`, 'utf8').replace(
    "from 'rushnet'",
    `from '${root}src/index.ts'`,
  );
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', code],
    {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl(), ...env },
      timeout: 60_000,
    },
  );
  return stdout;
}

describe('examples', () => {
  it('queue.mjs: the manager pushes, workers pop', async () => {
    const out = await runExample('queue.mjs');
    expect(out).toMatch(/^100 tasks finished; sum of y = 328350$/m);
    const counts = [...out.matchAll(/worker \w+: (\d+) tasks/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('branin.mjs: a decentralized search that the manager watches', async () => {
    const out = await runExample('branin.mjs', { BUDGET: '60' });
    expect(out).toMatch(/evaluations: best y = \d+\.\d{5}/);
    expect(out).toMatch(/^done: \d+ evaluations by [12] worker\(s\); the minimum is 0.397887$/m);
  });
});
