/**
 * Large objects confined (docs/concepts.md and SECURITY.md): a reference resolves only to a regular file inside
 * `largeObjectsPath`; a missing, refused or outside file drops its task from the rows with a
 * warning naming the file, never a raw ENOENT and never a blocking read. A network's files live
 * in a directory of their own that `reset()` removes, and a rejected batch leaves no file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LargeObjectRef, RushInputError, removeRushPlan, rushPlan } from '../../src/index.js';
import { logger } from '../../src/logging/logger.js';
import { networkDirectory } from '../../src/tasks/object-files.js';
import { manager, redisUrl, tempDir } from '../helpers/network.js';

afterEach(() => {
  removeRushPlan();
  vi.restoreAllMocks();
});

/** A plan whose values over 1000 bytes go to files in a fresh directory. */
async function planWithFiles(): Promise<string> {
  const dir = tempDir();
  await rushPlan({ config: redisUrl(), maxObjectSize: 1000, largeObjectsPath: dir });
  return dir;
}

const big = (tag: string) => ({ tag, data: 'x'.repeat(5000) });

/** The messages of the warnings logged so far. */
function warnings(spy: ReturnType<typeof vi.spyOn>): string[] {
  return spy.mock.calls.map((call: unknown[]) => String(call.at(-1)));
}

describe('large object files', () => {
  it('a file deleted behind a task drops that task from every read, with a warning naming the file', async () => {
    const dir = await planWithFiles();
    const rush = await manager();
    const [lost, kept] = await rush.pushTasks([big('lost'), big('kept')]);
    const victim = fileHolding(networkDirectory(dir, rush.networkId), 'lost');
    rmSync(victim);
    const warn = vi.spyOn(logger, 'warn');
    expect((await rush.fetchTasks()).map((r) => r.key)).toEqual([kept]);
    expect((await rush.fetchQueuedTasks()).map((r) => r.key)).toEqual([kept]);
    expect((await rush.readHashes([lost!, kept!], ['xs'])).map((r) => r.key)).toEqual([kept]);
    expect((await rush.fetchTasksWithState()).map((r) => r.key)).toEqual([kept]);
    expect(warnings(warn)).toContain(
      `large object file ${victim} does not exist: the task that refers to it is left out`,
    );
    // A finished task whose file vanished drops from the finished reads (from the records).
    const [running] = await rush.pushRunningTasks([{ x: 1 }]);
    await rush.finishTasks([running!], [big('result')]);
    rmSync(fileHolding(networkDirectory(dir, rush.networkId), 'result'));
    expect(await rush.fetchFinishedTasks()).toEqual([]);
    expect(await rush.nFinishedTasks()).toBe(1); // the task is there; its value is not
  });

  it('a reference to /etc/passwd, to "0", through a symlink or to a FIFO is refused without blocking', async () => {
    const dir = await planWithFiles();
    const rush = await manager();
    const link = join(dir, 'passwd-link');
    symlinkSync('/etc/passwd', link);
    const fifo = join(dir, 'a-fifo');
    execFileSync('mkfifo', [fifo]);
    const directory = join(dir, 'sub');
    execFileSync('mkdir', [directory]);
    const keys = await rush.pushTasks([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 5 }]);
    const refs = ['/etc/passwd', '0', link, fifo, directory];
    await rush.writeHashes(
      { xs: refs.map((path) => ({ model: new LargeObjectRef(path) })) },
      { keys: keys.slice(0, refs.length) },
    );
    const warn = vi.spyOn(logger, 'warn');
    expect((await rush.fetchTasks()).map((r) => r.key)).toEqual([keys[5]]);
    const said = warnings(warn).join('\n');
    expect(said).toContain('large object file /etc/passwd is outside largeObjectsPath');
    expect(said).toContain('large object file 0 is not an absolute file path');
    expect(said).toContain(`large object file ${link} is outside largeObjectsPath`);
    expect(said).toContain(`large object file ${fifo} is not a regular file`);
    expect(said).toContain(`large object file ${directory} is not a regular file`);
  });

  it('files go to a directory per network, which reset() removes; a task-only reset keeps configurations', async () => {
    const dir = await planWithFiles();
    const rush = await manager();
    const other = await manager();
    await rush.pushTasks([big('a')]);
    await other.pushTasks([big('b')]);
    await rush.workerScript(async () => {}, { args: [big('config')] });
    const mine = networkDirectory(dir, rush.networkId);
    expect(readdirSync(mine).sort()).toEqual(['config', expect.stringMatching(/^rush-object-/)]);
    await rush.reset({ workers: false });
    expect(readdirSync(mine)).toEqual(['config']);
    expect(readdirSync(join(mine, 'config'))).toHaveLength(1);
    await rush.reset();
    expect(existsSync(mine)).toBe(false);
    expect(readdirSync(networkDirectory(dir, other.networkId))).toHaveLength(1);
  });

  it('a rejected batch leaves no file behind', async () => {
    const dir = await planWithFiles();
    const rush = await manager();
    const error = await rush.pushTasks([big('a'), big('b'), { f: () => 1 }]).catch((e) => e);
    expect(error).toBeInstanceOf(RushInputError);
    expect(readdirSync(networkDirectory(dir, rush.networkId))).toEqual([]);
    expect(await rush.nTasks()).toBe(0);
  });

  it("a worker reads and writes large objects in its manager's directory", async () => {
    const dir = await planWithFiles();
    const rush = await manager();
    const ids = await rush.startLocalWorkers(
      async (rush) => {
        const task = await rush.popTask({ timeout: 30 });
        if (task) {
          const data = (task.xs as { data: string }).data;
          await rush.finishTasks([task.key], [{ echo: `${data}!` }]);
        }
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
    const [key] = await rush.pushTasks([big('in')]);
    await rush.waitForTasks([key!], { timeout: 60 });
    const [row] = await rush.fetchFinishedTasks();
    expect(row?.key).toBe(key);
    expect(row?.echo === `${'x'.repeat(5000)}!`).toBe(true); // not printed when it differs
    // The input and the output each went to a file of the network.
    expect(readdirSync(networkDirectory(dir, rush.networkId))).toHaveLength(2);
  });
});

/** The one file in `dir` whose content holds `tag`. */
function fileHolding(dir: string, tag: string): string {
  const files = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((file) => readFileSync(file).toString('latin1').includes(tag));
  expect(files).toHaveLength(1);
  return files[0]!;
}
