import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/network.js';
import { repoRoot as root, runAgainstSources } from '../helpers/sources.js';

/** Runs an example against the sources, as if 'rushnet' were installed. */
function runExample(name: string, env: Record<string, string> = {}): Promise<string> {
  const code = readFileSync(`${root}examples/${name}`, 'utf8');
  return runAgainstSources(code, { REDIS_URL: redisUrl(), ...env });
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
