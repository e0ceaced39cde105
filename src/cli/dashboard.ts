/** `rushnet dashboard`: serves a live, read-only web page of a network (or of all networks). */
import { spawn } from 'node:child_process';
import { type Command, InvalidArgumentError } from 'commander';
import { startDashboard } from '../dashboard/index.js';
import { isLoopback } from '../dashboard/security.js';
import {
  action,
  cliConfig,
  openNetwork,
  positiveNumber,
  UsageError,
  untilInterrupted,
  withUrl,
} from './common.js';

interface DashboardCliOptions {
  network?: string;
  url?: string;
  host: string;
  port: number;
  /** A token, `false` for --no-token, undefined for a new random one. */
  token?: string | false;
  open?: boolean;
  ys?: string;
  direction?: 'min' | 'max';
  maximize?: boolean;
  interval: number;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a whole number from 0 to 65535');
  return n;
}

function direction(value: string): 'min' | 'max' {
  if (/^min(imize)?$/.test(value)) return 'min';
  if (/^max(imize)?$/.test(value)) return 'max';
  throw new InvalidArgumentError('must be min or max');
}

export function token(value: string): string {
  if (value.length < 8 || /\s/.test(value))
    throw new InvalidArgumentError('must be at least 8 characters without white space');
  return value;
}

/** Opens the address in the desktop's browser; nothing happens where there is none. */
function openBrowser(url: string): void {
  const [command, ...args] =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '', url]
        : ['xdg-open', url];
  try {
    const child = spawn(command!, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {
      process.stderr.write(`rushnet: could not open a browser; open ${url}\n`);
    });
    child.unref();
  } catch {
    // no browser on this machine: the address is printed anyway
  }
}

/** `--no-token` is for this machine only: elsewhere it is a usage error. */
export function checkTokenFlags(options: { host: string; token?: string | false }): void {
  if (options.token === false && !isLoopback(options.host))
    throw new UsageError(
      `--no-token works only with --host 127.0.0.1 (localhost), not ${options.host}: anyone who reaches it could read the network`,
    );
}

export function dashboardCommand(program: Command): void {
  withUrl(
    program
      .command('dashboard')
      .description(
        'serve a live, read-only web page of a network (without --network: of every network on the server)',
      )
      .option('--network <id>', 'network id')
      .option('--host <address>', 'address to listen on', '127.0.0.1')
      .option('--port <n>', 'port to listen on (0: a free one)', port, 0)
      .option('--token <token>', 'require this token (default: a new random one)', token)
      .option('--no-token', 'require no token (only with --host 127.0.0.1)')
      .option('--open', 'open the page in the browser')
      .option('--ys <column>', 'result column to chart (default: the first numeric one)')
      .option('--direction <min|max>', 'whether smaller or larger results are better', direction)
      .option('--maximize', 'larger results are better (same as --direction max)')
      .option('--interval <s>', 'seconds between reads of the network', positiveNumber, 1),
  ).action(
    action(async (options: DashboardCliOptions) => {
      checkTokenFlags(options);
      const config = cliConfig(options);
      // Fail fast on a wrong address; later outages show on the page instead.
      await (await openNetwork(options.network ?? 'dashboard', options)).close();
      const dashboard = await startDashboard({
        config,
        network: options.network,
        host: options.host,
        port: options.port,
        token: options.token,
        ys: options.ys,
        direction: options.maximize ? 'max' : (options.direction ?? 'min'),
        interval: options.interval,
      });
      const what = options.network ? `network ${options.network}` : 'the networks';
      process.stdout.write(
        `rushnet dashboard: ${what} on ${dashboard.redis}\n  ${dashboard.url}\n(Ctrl-C to stop)\n`,
      );
      if (options.open) openBrowser(dashboard.url);
      const interrupt = untilInterrupted();
      while (!interrupt.stopped()) await interrupt.wait(60_000);
      await dashboard.close();
    }),
  );
}
