/**
 * `rushnet worker`: runs one worker of a network (what workerScript() emits), or `--count` of
 * them. It says on stderr when each worker has connected and when it stops, and why: on a
 * remote host those lines are how anyone can tell that it works.
 */
import type { Command } from 'commander';
import { type StartWorkerOptions, startWorker, type WorkerRunEvent } from '../worker/runtime.js';
import {
  action,
  type ConnectionFlags,
  cliConfig,
  directory,
  networkOption,
  positiveInteger,
  redacted,
  seconds,
  withUrl,
  workerId,
} from './common.js';
import { visible } from './sanitize.js';

/** Every line of the worker's own starts so, for grep. */
const PREFIX = 'rushnet worker:';

/**
 * A line on stderr (or the message log that `--message-log` sends stderr to). Writes to files
 * and pipes are synchronous: the line is out even if a signal ends the process right after.
 */
function say(line: string): void {
  process.stderr.write(`${PREFIX} ${line}\n`);
}

const STOP_REASONS: Record<Extract<WorkerRunEvent, { kind: 'stopped' }>['reason'], string> = {
  returned: 'the loop returned',
  terminated: 'terminated on request (rushnet stop, stopWorkers) or no longer registered',
  heartbeat: 'its heartbeat failed for good',
  error: 'the loop failed',
};

/** The lines of a run: connected, stopped (and why). */
function announcer(redisAddress: string): {
  onEvent: (event: WorkerRunEvent) => void;
  running: Set<string>;
} {
  const running = new Set<string>();
  const onEvent = (event: WorkerRunEvent) => {
    const { worker } = event;
    const id = visible(worker.workerId);
    if (event.kind === 'connected') {
      running.add(worker.workerId);
      say(
        `connected: network ${visible(worker.networkId)}, worker ${id}, host ` +
          `${visible(worker.hostname)}, pid ${process.pid}, redis ${redisAddress}`,
      );
      return;
    }
    running.delete(worker.workerId);
    const why = STOP_REASONS[event.reason];
    say(`stopped: worker ${id}, ${why}${event.message ? `: ${visible(event.message)}` : ''}`);
  };
  return { onEvent, running };
}

/**
 * Says which workers a signal ends. The signal then does what it would have done (ends the
 * process), unless someone else handles it too.
 */
function sayOnSignals(running: Set<string>): void {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      const ids = [...running].map(visible).join(', ');
      say(`stopped: ${ids ? `worker ${ids}` : 'before connecting'}, killed by ${signal}`);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

export function workerCommand(program: Command): void {
  withUrl(
    program
      .command('worker')
      .description('start one worker of a network (this is what workerScript() emits)')
      .addOption(networkOption(true)),
  )
    .option(
      '--worker-id <id>',
      'worker id (default: a new UUID); repeat it to name the workers of --count',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), workerId(value)],
    )
    .option(
      '--count <n>',
      'run n workers in this process, each its own connection and heartbeat (default: 1, or one per --worker-id)',
      positiveInteger,
    )
    .option('--config <id>', 'stored worker configuration to run (default: the latest)')
    .option('--heartbeat-period <s>', 'seconds between heartbeats', seconds)
    .option('--heartbeat-expire <s>', 'seconds a heartbeat lives', seconds)
    .option(
      '--message-log <dir>',
      'directory for message_<worker-id>.log (stderr and log messages)',
      directory,
    )
    .option('--output-log <dir>', 'directory for output_<worker-id>.log (stdout)', directory)
    .option(
      '--insecure',
      'UNSAFE: run the stored configuration without checking its signature (anyone who can write to Redis could run code here)',
    )
    .action(
      action(
        async (
          options: ConnectionFlags & {
            network: string;
            workerId?: string[];
            count?: number;
            config?: string;
            heartbeatPeriod?: number;
            heartbeatExpire?: number;
            messageLog?: string;
            outputLog?: string;
            insecure?: boolean;
          },
        ) => {
          const config = cliConfig(options);
          if (options.insecure) {
            say(
              `WARNING: --insecure: the signature of the worker configuration of network ${visible(options.network)} ` +
                'is not checked: anyone who can write to this Redis can run code on this machine',
            );
          }
          const { onEvent, running } = announcer(redacted(config));
          sayOnSignals(running);
          // The key comes from RUSHNET_SECRET only: a flag would show it in `ps`.
          const run: StartWorkerOptions = {
            networkId: options.network,
            config,
            workerIds: options.workerId,
            count: options.count,
            configId: options.config,
            heartbeatPeriod: options.heartbeatPeriod,
            heartbeatExpire: options.heartbeatExpire,
            messageLog: options.messageLog,
            outputLog: options.outputLog,
            insecure: options.insecure === true,
            onEvent,
          };
          const code = await startWorker(run);
          process.exit(code);
        },
      ),
    );
}
