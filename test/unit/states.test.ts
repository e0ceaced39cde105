/** Unit tests of the state machine's table: it names real scripts, and the README shows it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCRIPT_SOURCES, scriptKeyCount } from '../../src/redis/scripts/index.js';
import { TASK_STATES, TRANSITIONS } from '../../src/tasks/states.js';

describe('the task state machine', () => {
  it('moves tasks only through scripts that exist', () => {
    for (const t of TRANSITIONS) expect(SCRIPT_SOURCES.has(t.script), t.script).toBe(true);
  });

  it('reaches every state, and every state but the end states can be left', () => {
    const targets = new Set(TRANSITIONS.map((t) => t.to));
    for (const state of TASK_STATES) expect(targets.has(state), state).toBe(true);
    const sources = new Set(TRANSITIONS.flatMap((t) => t.from));
    for (const state of ['queued', 'running', 'pending'] as const)
      expect(sources.has(state), state).toBe(true);
  });

  it('fails tasks through the one shared piece in every script that fails them', () => {
    for (const t of TRANSITIONS.filter((t) => t.to === 'failed' && t.script !== 'push_tasks')) {
      expect(SCRIPT_SOURCES.get(t.script), t.script).toContain('local function fail_task(');
      // The piece is the only place that writes a failed state.
      const own = readFileSync(
        new URL(`../../src/redis/scripts/${t.script}.lua`, import.meta.url),
        'utf8',
      );
      expect(own, t.script).not.toMatch(/'state', 'failed'/);
    }
  });

  it('gives every script at least one key of its network, so a Cluster client can route it', () => {
    for (const name of SCRIPT_SOURCES.keys()) expect(scriptKeyCount(name), name).not.toBe(0);
  });

  it('is the table printed in the docs', () => {
    const readme = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    for (const t of TRANSITIONS) {
      const row = `| ${t.step} | ${t.from.join(', ')} | ${t.to} | \`${t.script}.lua\` |`;
      expect(readme, `README row for ${t.step}`).toContain(row);
    }
  });
});
