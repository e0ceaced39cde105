/** What the host tests share: when they run, the worker command, and a look at command lines. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
// RUSHNET_HOSTS_CLI: another build of the command line (e.g. a private copy of dist/).
const CLI = process.env.RUSHNET_HOSTS_CLI ?? join(REPO, 'dist/cli/main.js');

/** The built command line, run by this Node: what remote and Slurm workers execute. */
export const WORKER_COMMAND = `${process.execPath} ${CLI}`;

/** Why the host tests do not run here, or undefined when they do. */
export function hostsTestsSkipReason(): string | undefined {
  if (process.env.RUSHNET_HOSTS_TESTS !== '1') return 'run them with `npm run test:hosts`';
  if (!existsSync(CLI)) return `${CLI} is missing: run \`npm run build\` first`;
  return undefined;
}

/** Pids (on this machine) whose command line contains `text`, apart from this process's. */
export function processesHolding(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
