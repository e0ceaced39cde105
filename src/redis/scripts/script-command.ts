/**
 * How one script call goes on the wire, decided per connection at the moment it is written
 * (an ioredis `Command` whose name and first argument are set in `toWritable`, as ioredis's
 * own scripts do): FCALL of the script's function where rushnet's function library is known
 * to be loaded on that connection's server (library-loader.ts), else EVALSHA of the script,
 * EVAL the first time on a connection. Every form takes `numkeys keys… args…` after its first
 * argument, so a Cluster client routes them alike, and a command resent on a new connection
 * (a reconnect) is written again for that one.
 *
 * A NOSCRIPT reply (a script cache flushed) or "Function not found" (a library deleted under
 * a live connection) means the call did nothing: it is sent once more, as a script.
 */
import { Command } from 'ioredis';

/** One argument of a script call. */
export type ScriptArg = string | Buffer | number;

/** Connections (their sockets) whose server has rushnet's library, as confirmed on them. */
const librarySockets = new WeakSet<object>();

/** Marks `socket` as one whose server has the library. */
export function libraryLoadedOn(socket: object): void {
  librarySockets.add(socket);
}

const FUNCTION_GONE = /^ERR Function not found/;

/** Where a script call is queued or sent: a client or a pipeline (ioredis's `sendCommand`). */
interface CommandTarget {
  sendCommand(command: Command): unknown;
  readonly isPipeline?: boolean;
  readonly redis?: CommandTarget;
}

/** One script, sendable as EVALSHA, EVAL or FCALL. */
export class ScriptCommand {
  readonly sha: string;
  readonly #Command: new (
    name: string,
    args: ScriptArg[],
    options: { replyEncoding: BufferEncoding | null },
  ) => Command;

  constructor(lua: string, sha: string, functionName: string) {
    this.sha = sha;
    /** Connections that were sent this script's source (EVAL). */
    const scriptSockets = new WeakSet<object>();
    this.#Command = class RushScriptCommand extends Command {
      override toWritable(socket: object): string | Buffer {
        const reject = this.reject;
        this.reject = (error: Error) => {
          if (error.message.startsWith('NOSCRIPT')) scriptSockets.delete(socket);
          else if (FUNCTION_GONE.test(error.message)) librarySockets.delete(socket);
          reject.call(this, error);
        };
        if (librarySockets.has(socket)) {
          this.name = 'fcall';
          this.args[0] = functionName;
        } else if (scriptSockets.has(socket)) {
          this.name = 'evalsha';
          this.args[0] = sha;
        } else {
          scriptSockets.add(socket);
          this.name = 'eval';
          this.args[0] = lua;
        }
        return super.toWritable(socket);
      }
    };
  }

  /**
   * Sends (or, on a pipeline, queues) a call: `args` holds a free first slot (the script or
   * function goes there), then numkeys, keys and arguments. Resolves with the reply, as
   * Buffers when `binary`.
   */
  execute(target: CommandTarget, args: ScriptArg[], binary: boolean): Promise<unknown> {
    const options = { replyEncoding: binary ? null : ('utf8' as const) };
    args[0] = this.sha;
    const command = new this.#Command('evalsha', args, options);
    command.promise = command.promise.catch((error: Error) => {
      if (!error.message.startsWith('NOSCRIPT') && !FUNCTION_GONE.test(error.message)) {
        throw error;
      }
      const client = target.isPipeline ? target.redis! : target;
      const again = new this.#Command('evalsha', [this.sha, ...args.slice(1)], options);
      client.sendCommand(again);
      return again.promise;
    });
    target.sendCommand(command);
    return command.promise;
  }
}
