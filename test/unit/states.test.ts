/**
 * Unit tests of the state machine's table: it names real scripts, its states are the API's,
 * and docs/lifecycle.md prints it exactly as `transitionTable()` makes it. (That each row is
 * what the code does is checked against a real Redis in test/integration/transitions.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCRIPT_SOURCES, scriptKeyCount } from '../../src/redis/scripts/index.js';
import {
  type Endpoint,
  PLACES,
  TASK_STATES,
  TRANSITIONS,
  transitionTable,
} from '../../src/tasks/states.js';

describe('the task state machine', () => {
  it('moves tasks only through scripts that exist (or the blocking pop)', () => {
    for (const t of TRANSITIONS) {
      if (t.by !== 'BLMOVE') expect(SCRIPT_SOURCES.has(t.by), t.by).toBe(true);
    }
  });

  it('reaches every place and state, and every place but the end ones can be left', () => {
    const targets = new Set<Endpoint>(TRANSITIONS.map((t) => t.to));
    for (const place of Object.keys(PLACES) as Endpoint[])
      expect(targets.has(place), place).toBe(true);
    const states = new Set(TRANSITIONS.map((t) => t.hashState));
    for (const state of TASK_STATES) expect(states.has(state), state).toBe(true);
    const sources = new Set<Endpoint>(TRANSITIONS.flatMap((t) => t.from));
    for (const place of ['queue', 'delayed', 'pending', 'running'] as const)
      expect(sources.has(place), place).toBe(true);
  });

  it('fails tasks through the one shared piece in every script that fails them', () => {
    for (const t of TRANSITIONS.filter((t) => t.to === 'failed' && t.by !== 'push_tasks')) {
      if (t.by === 'BLMOVE') continue;
      expect(SCRIPT_SOURCES.get(t.by), t.by).toContain('local function fail_task(');
      // The piece is the only place that writes a failed state.
      const own = readFileSync(
        new URL(`../../src/redis/scripts/${t.by}.lua`, import.meta.url),
        'utf8',
      );
      expect(own, t.by).not.toMatch(/'state', 'failed'/);
    }
  });

  it('gives every script at least one key of its network, so a Cluster client can route it', () => {
    for (const name of SCRIPT_SOURCES.keys()) expect(scriptKeyCount(name), name).not.toBe(0);
  });

  it('is the table printed in docs/lifecycle.md, as generated', () => {
    const page = readFileSync(new URL('../../docs/lifecycle.md', import.meta.url), 'utf8');
    const table = transitionTable();
    expect(table.split('\n')).toHaveLength(TRANSITIONS.length + 3);
    expect(page, 'regenerate the table: npx tsx tools/gen-lifecycle-table.ts').toContain(table);
  });
});
