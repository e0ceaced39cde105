/**
 * `rushnet export`, streamed: NDJSON and JSON, CSV with typed columns found by a first pass,
 * and Parquet read back by an independent reader (DuckDB, not the writer's own package), with
 * one typed column per input and output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, rushnet } from '../helpers/cli.js';
import { manager, newNetworkId, tempDir, worker } from '../helpers/network.js';

beforeAll(requireBuild);

/** A network with tasks in every state, mixed column types and awkward values. */
async function seed() {
  const id = newNetworkId();
  const rush = await manager(id);
  const w = await worker(id, { workerId: 'exp-w' });
  await rush.pushTasks([{ x: 1, label: 'a', mixed: 1 }]);
  await w.pushFinishedTasks(
    [
      { x: 2, label: 'b', mixed: 'two' },
      { x: 3, label: '=1+1', mixed: 3.5 },
    ],
    [
      { y: 0.5, ok: true, big: 2n ** 70n, when: new Date(1_700_000_000_000) },
      { y: 1, ok: false, big: 5n, when: new Date(1_700_000_001_000) },
    ],
  );
  await rush.pushFailedTasks([{ x: 4, label: 'esc\x1b[2J' }], {
    conditions: [{ message: 'no luck' }],
  });
  await w.pushRunningTasks([{ x: 5.25, label: 'run' }]);
  return { id, rush };
}

describe('rushnet export', () => {
  it('--format ndjson: one JSON object per task and line', async () => {
    const { id } = await seed();
    const { code, stdout } = await rushnet(['export', '--network', id, '--format', 'ndjson']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    const records = lines.map((l) => JSON.parse(l));
    expect(records.map((r) => r.state).sort()).toEqual([
      'failed',
      'finished',
      'finished',
      'queued',
      'running',
    ]);
    expect(records.find((r) => r.x === 2)).toEqual({
      key: expect.any(String),
      state: 'finished',
      worker_id: 'exp-w',
      x: 2,
      label: 'b',
      mixed: 'two',
      y: 0.5,
      ok: true,
      big: (2n ** 70n).toString(),
      when: '2023-11-14T22:13:20.000Z',
      created_at: expect.any(Number),
      started_at: expect.any(Number),
      finished_at: expect.any(Number),
    });
    expect(records.find((r) => r.x === 4)).toMatchObject({
      state: 'failed',
      condition: 'no luck',
      label: 'esc\x1b[2J',
    });
    // The escape is \u001b in the text, never the raw character.
    expect(stdout).toContain('esc\\u001b[2J');
    expect(stdout).not.toContain('\x1b');
    // --state filters; json is one document.
    const finished = await rushnet(['export', '--network', id, '--state', 'finished']);
    expect(JSON.parse(finished.stdout).map((r: { x: number }) => r.x)).toEqual([2, 3]);
  });

  it('--format csv: a header from the first pass, formulas neutralized, controls visible', async () => {
    const { id } = await seed();
    const dir = tempDir();
    const file = join(dir, 'tasks.csv');
    const { code, stderr } = await rushnet([
      'export',
      '--network',
      id,
      '--format',
      'csv',
      '--out',
      file,
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe(`wrote 5 task(s) to ${file}\n`);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'key,state,worker_id,x,label,mixed,y,ok,big,when,created_at,started_at,finished_at,condition',
    );
    // mixed holds a number and a text: JSON text in every row.
    expect(lines.find((l) => l.includes(',queued,'))).toMatch(/,queued,,1,a,1,,,,,\d+,,,$/);
    expect(lines.find((l) => l.includes(',b,'))).toMatch(/,b,"""two""",/);
    expect(lines.find((l) => l.includes(',3,'))).toMatch(/,'=1\+1,3\.5,1,false,5,/);
    expect(lines.find((l) => l.includes(',failed,'))).toMatch(
      /,esc\\x1b\[2J,,,,,,\d*,\d*,\d*,no luck$/,
    );
  });

  it('--format parquet: typed columns that DuckDB reads back', async () => {
    const { id } = await seed();
    const file = join(tempDir(), 'tasks.parquet');
    const { code } = await rushnet([
      'export',
      '--network',
      id,
      '--format',
      'parquet',
      '--out',
      file,
    ]);
    expect(code).toBe(0);
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`);
      expect(
        Object.fromEntries(types.getRowObjects().map((r) => [r.column_name, r.column_type])),
      ).toEqual({
        key: 'VARCHAR',
        state: 'VARCHAR',
        worker_id: 'VARCHAR',
        x: 'DOUBLE', // 1, 2, 3, 4 and 5.25
        label: 'VARCHAR',
        mixed: 'VARCHAR', // numbers and a text: JSON text
        y: 'DOUBLE',
        ok: 'BOOLEAN',
        big: 'VARCHAR', // BigInt as its digits
        when: 'TIMESTAMP',
        created_at: 'TIMESTAMP',
        started_at: 'TIMESTAMP',
        finished_at: 'TIMESTAMP',
        condition: 'VARCHAR',
      });
      const rows = await connection.runAndReadAll(
        `SELECT state, worker_id, x, label, mixed, y, ok, big, epoch_ms("when") AS when_ms, condition
         FROM '${file}' ORDER BY x`,
      );
      expect(rows.getRowObjectsJson()).toEqual([
        row('queued', null, 1, 'a', '1', null, null, null, null, null),
        row(
          'finished',
          'exp-w',
          2,
          'b',
          '"two"',
          0.5,
          true,
          (2n ** 70n).toString(),
          '1700000000000',
          null,
        ),
        row('finished', 'exp-w', 3, '=1+1', '3.5', 1, false, '5', '1700000001000', null),
        row('failed', null, 4, 'esc\x1b[2J', null, null, null, null, null, 'no luck'),
        row('running', 'exp-w', 5.25, 'run', null, null, null, null, null, null),
      ]);
    } finally {
      connection.closeSync();
    }
  });

  it('--out that cannot be written exits 2 before anything is read', async () => {
    const { id } = await seed();
    const { code, stdout, stderr } = await rushnet([
      'export',
      '--network',
      id,
      '--format',
      'parquet',
      '--out',
      '/proc/no-such-dir/tasks.parquet',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

function row(
  state: string,
  worker_id: string | null,
  x: number,
  label: string,
  mixed: string | null,
  y: number | null,
  ok: boolean | null,
  big: string | null,
  when_ms: string | null,
  condition: string | null,
) {
  return { state, worker_id, x, label, mixed, y, ok, big, when_ms, condition };
}
