/**
 * Redis CPU per task as a count of instructions, which the load of a shared machine does not
 * move: runs redis-server under `valgrind --tool=callgrind`, sends it a workload of 500 and of
 * 2,500 tasks through this checkout's build, and divides the difference by 2,000 (start-up and
 * connection costs cancel out; `--hz 1` keeps the timer work, which grows with the slowed-down
 * run, from blurring the figure).
 *
 *   npm run build && node bench/redis-instructions.mjs process loop push
 *
 * Workloads: `process` (pushTasks in chunks of 500, then processTasks, concurrency 1), `loop`
 * (pushRunningTasks + finishTasks per task), `push` (pushTasks in chunks of 500 only).
 * Needs valgrind (Debian's package).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WORKLOADS = ['process', 'loop', 'push'];

if (process.argv[2] === '--run') {
  // The workload itself, in its own process: --run <port> <workload> <tasks>.
  const [port, workload, n] = process.argv.slice(3);
  const tasks = Number(n);
  const { RushWorker } = await import('../dist/index.js');
  const worker = await RushWorker.create({
    networkId: `instructions-${process.pid}`,
    config: `redis://127.0.0.1:${port}`,
  });
  const push = async () => {
    for (let i = 0; i < tasks; i += 500) {
      const chunk = Array.from({ length: Math.min(500, tasks - i) }, (_, j) => ({ x: i + j }));
      await worker.pushTasks(chunk);
    }
  };
  if (workload === 'process') {
    await push();
    await worker.processTasks(async (task) => ({ y: task.xs.x * 2 }), { maxTasks: tasks });
  } else if (workload === 'loop') {
    for (let i = 0; i < tasks; i++) {
      const [key] = await worker.pushRunningTasks([{ x: i }]);
      await worker.finishTasks([key], [{ y: i }]);
    }
  } else {
    await push();
  }
  await worker.close();
  process.exit(0);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** Instructions Redis executed for `tasks` tasks of `workload` (start-up included). */
async function instructions(workload, tasks) {
  const dir = mkdtempSync(join(tmpdir(), 'rushnet-instructions-'));
  const port = await freePort();
  const out = join(dir, 'callgrind.out');
  const server = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${out}`,
      'redis-server',
      '--port',
      String(port),
    ].concat(['--save', '', '--appendonly', 'no', '--hz', '1', '--dir', dir]),
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => server.on('exit', resolve));
  try {
    for (let i = 0; ; i++) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
        break;
      } catch (error) {
        if (i > 150) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    execFileSync(process.execPath, [import.meta.filename, '--run', port, workload, tasks], {
      stdio: 'inherit',
    });
    execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore' });
    await exited;
    const totals = readFileSync(out, 'utf8').match(/^(?:summary|totals): (\d+)/m);
    if (!totals) throw new Error('callgrind wrote no totals');
    return Number(totals[1]);
  } finally {
    if (server.exitCode === null) server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const asked = process.argv.slice(2);
for (const workload of asked.length > 0 ? asked : WORKLOADS) {
  if (!WORKLOADS.includes(workload)) throw new Error(`unknown workload ${workload}`);
  const small = await instructions(workload, 500);
  const large = await instructions(workload, 2500);
  const perTask = Math.round((large - small) / 2000);
  process.stdout.write(
    `${workload}: ${perTask.toLocaleString('en')} Redis instructions per task\n`,
  );
}
